/* Translations for the strings Flask-AppBuilder hard-codes in its JavaScript (the texts come,
   translated, from the hidden #lapor-fab-texts element of the base layout), and the names and list
   structure select2 leaves out of its boxes (axe: a search field without a label, a "remove all"
   cross directly inside the list of choices); select2 redraws a box on every change, so again then. */
(function () {
  var source = document.getElementById("lapor-fab-texts");
  if (!source) { return; }
  var texts = {"No row selected": source.dataset.noRow, "Select a State": source.dataset.select};
  if (window.ab_alert) {
    var original = window.ab_alert;
    window.ab_alert = function (text) { original(texts[text] || text); };
  }
  function mend(select) {
    var label = jQuery('label[for="' + select.id + '"]').first().text().replace("*", "").trim();
    var box = jQuery(select).next(".select2-container");
    box.find(".select2-search__field").attr("aria-label", label || select.name);
    box.find(".select2-selection__clear").attr("title", source.dataset.removeAll);
    box.find("ul.select2-selection__rendered > .select2-selection__clear").wrap("<li></li>");
  }
  if (window.jQuery) jQuery(function () {  // after Flask-AppBuilder's own ready handler drew the boxes
    jQuery(".select2-selection__placeholder").each(function () {
      var t = jQuery(this).text(); if (texts[t]) { jQuery(this).text(texts[t]); }
    });
    jQuery("select.select2-hidden-accessible").each(function () { mend(this); })
      .on("change select2:open select2:close", function () {
        var select = this; window.setTimeout(function () { mend(select); }, 0);
      });
  });
})();
