/* Tracking flow: copy/print the receipt, and a reply code carried in the URL fragment
   (never sent to the server) is moved into the POST form, then removed from the address bar. */
(function () {
  var copy = document.getElementById("copy-code");
  if (copy) {
    copy.addEventListener("click", function () {
      var text = copy.getAttribute("data-copy");
      var status = document.getElementById("copy-status");
      var done = function () { status.textContent = copy.getAttribute("data-done"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () {});
      }
    });
  }
  if (document.getElementById("reply-code")) {
    // the report was received: its draft in this tab is done, the form starts empty next time
    try { window.sessionStorage.removeItem("lapor-draft"); } catch (e) { /* storage off */ }
  }
  var print = document.getElementById("print-code");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  var match = /^#kode=([A-Za-z0-9\-]{1,40})$/.exec(window.location.hash || "");
  if (match) {
    var input = document.getElementById("code");
    if (input) { input.value = match[1]; }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname);
    }
  }
})();
