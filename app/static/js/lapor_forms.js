/* Staff forms: the date picker in the page's language (Indonesian by default), writing dd/mm/yyyy.
   Only our own date fields (.lapor-date); FAB's search filters keep their own format. */
(function ($) {
  if (!$ || !$.fn || !$.fn.datepicker) { return; }
  $.fn.datepicker.dates.id = {
    days: ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
    daysShort: ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
    daysMin: ["Mg", "Sn", "Sl", "Rb", "Km", "Jm", "Sb"],
    months: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember"],
    monthsShort: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    today: "Hari ini",
    clear: "Kosongkan",
    format: "dd/mm/yyyy",
    titleFormat: "MM yyyy",
    weekStart: 1
  };
  $(function () {
    var lang = (document.documentElement.getAttribute("lang") || "id").slice(0, 2) === "en" ? "en" : "id";
    $(".lapor-date").each(function () {
      var el = $(this);
      el.datepicker("destroy");
      el.datepicker({format: "dd/mm/yyyy", language: lang, weekStart: 1, autoclose: true, forceParse: false,
                     todayHighlight: true});
    });
  });
})(window.jQuery);
