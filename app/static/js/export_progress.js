/* Progress of a background case export: polls the state URL, then shows the download link. */
(function () {
  var box = document.getElementById("export-progress");
  if (!box) { return; }
  var bar = box.querySelector(".progress-bar");
  var text = document.getElementById("export-progress-text");
  var labels = document.getElementById("export-progress-labels").dataset;
  var tries = 0;
  function show(pct) {
    bar.style.width = pct + "%";
    bar.setAttribute("aria-valuenow", pct);
    bar.textContent = pct + "%";
  }
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", box.dataset.stateUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var state = {};
      try { state = JSON.parse(xhr.responseText); } catch (e) { state = {status: "unknown"}; }
      show(state.progress || 0);
      if (state.status === "ready") {
        show(100);
        bar.classList.remove("active");
        text.textContent = labels.finished.replace("{rows}", state.rows);
        var link = document.getElementById("export-download");
        link.href = state.url;
        document.getElementById("export-expiry").textContent = labels.expires.replace("{when}", state.expires);
        document.getElementById("export-link-box").hidden = false;
        return;
      }
      if (state.status === "failed") {
        bar.classList.remove("active");
        bar.classList.add("progress-bar-danger");
        text.textContent = state.error || labels.failed;
        return;
      }
      if (state.status === "running") { text.textContent = labels.running; }
      tries += 1;
      setTimeout(poll, tries < 10 ? 1000 : 3000);
    };
    xhr.onerror = function () { tries += 1; setTimeout(poll, 3000); };
    xhr.send();
  }
  poll();
})();
