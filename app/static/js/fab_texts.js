/* Translations for the strings Flask-AppBuilder hard-codes in its JavaScript (the texts come,
   translated, from the hidden #lapor-fab-texts element of the base layout). */
(function () {
  var source = document.getElementById("lapor-fab-texts");
  if (!source) { return; }
  var texts = {"No row selected": source.dataset.noRow, "Select a State": source.dataset.select};
  if (window.ab_alert) {
    var original = window.ab_alert;
    window.ab_alert = function (text) { original(texts[text] || text); };
  }
  if (window.jQuery) {
    jQuery(".select2-selection__placeholder").each(function () {
      var t = jQuery(this).text(); if (texts[t]) { jQuery(this).text(texts[t]); }
    });
  }
})();
