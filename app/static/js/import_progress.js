/* Progress of a spreadsheet import: polls the batch state until it is done or failed. */
(function () {
  var box = document.getElementById("import-progress");
  if (!box || !(box.dataset.status === "queued" || box.dataset.status === "running")) { return; }
  var bar = box.querySelector(".progress-bar");
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", box.dataset.stateUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var state;
      try { state = JSON.parse(xhr.responseText); } catch (e) { setTimeout(poll, 3000); return; }
      bar.style.width = state.progress + "%";
      bar.setAttribute("aria-valuenow", state.progress);
      bar.textContent = state.progress + "%";
      document.getElementById("import-status").textContent = state.label;
      if (state.status === "done" || state.status === "failed") { window.location.reload(); return; }
      setTimeout(poll, 1000);
    };
    xhr.onerror = function () { setTimeout(poll, 3000); };
    xhr.send();
  }
  poll();
})();
