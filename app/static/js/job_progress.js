/* Progress of a background job (a case export, a transparency report): polls the state URL of
   each [data-job-progress] box until the job is done, then shows the download link or opens the
   result. What to fill comes from the box's data-attributes, the texts from a hidden labels element:
     data-state-url   the JSON state: {status, progress, url?, rows?, expires?, error?}
     data-text        id of the status line
     data-labels      id of the element whose data-running / -finished / -failed / -unknown / -expires
                      hold the (translated) texts; {rows} and {when} are filled in
     data-on-done     "open": go to the state's url; "link": put it on data-link, show data-link-box,
                      write the expiry into data-expiry */
(function () {
  var DONE = {ready: true, finished: true};
  var RUNNING = {running: true, started: true};

  function byId(id) { return id ? document.getElementById(id) : null; }

  function follow(box) {
    var bar = box.querySelector(".progress-bar");
    var text = byId(box.dataset.text);
    var labelsBox = byId(box.dataset.labels);
    var labels = labelsBox ? labelsBox.dataset : {};
    var tries = 0;

    function say(message) { if (text && message) { text.textContent = message; } }
    function show(pct) {
      bar.style.width = pct + "%";
      bar.setAttribute("aria-valuenow", pct);
      bar.textContent = pct + "%";
    }
    function done(state) {
      show(100);
      bar.classList.remove("active");
      say((labels.finished || "").replace("{rows}", state.rows));
      if (box.dataset.onDone === "open") {
        if (state.url) { window.location.href = state.url; }
        return;
      }
      var link = byId(box.dataset.link);
      if (link && state.url) { link.href = state.url; }
      var expiry = byId(box.dataset.expiry);
      if (expiry && labels.expires) { expiry.textContent = labels.expires.replace("{when}", state.expires); }
      var linkBox = byId(box.dataset.linkBox);
      if (linkBox) { linkBox.hidden = false; }
    }
    function failed(message) {
      bar.classList.remove("active");
      bar.classList.add("progress-bar-danger");
      say(message);
    }
    function poll() {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", box.dataset.stateUrl);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.onload = function () {
        var state = {};
        try { state = JSON.parse(xhr.responseText); } catch (e) { state = {status: "unknown"}; }
        show(state.progress || 0);
        if (DONE[state.status]) { done(state); return; }
        if (state.status === "failed") { failed(state.error || labels.failed); return; }
        if (state.status === "unknown" && !state.progress && tries > 30) {
          failed(labels.unknown || labels.failed);  // the queue forgot the job
          return;
        }
        if (RUNNING[state.status]) { say(labels.running); }
        tries += 1;
        setTimeout(poll, tries < 10 ? 1000 : 3000);
      };
      xhr.onerror = function () { tries += 1; setTimeout(poll, 3000); };
      xhr.send();
    }
    poll();
  }

  var boxes = document.querySelectorAll("[data-job-progress]");
  for (var i = 0; i < boxes.length; i += 1) { follow(boxes[i]); }
})();
