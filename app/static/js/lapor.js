/* The report form: optional location, a draft kept in this tab (nothing typed is lost when an
   upload is refused), file checks before sending and a preview of the chosen photos. */
(function () {
  var form = document.getElementById("report-form");
  if (!form) { return; }

  // --- location from the browser (no external service) ---
  var button = document.getElementById("use-location");
  if (button) {
    var status = document.getElementById("location-status");
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = "-"; return; }
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("latitude").value = pos.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = pos.coords.longitude.toFixed(6);
        status.textContent = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
      }, function () { status.textContent = "-"; });
    });
  }

  // --- the draft: kept in sessionStorage (this tab only, gone when it closes) ---
  var KEY = "lapor-draft";
  var skip = { csrf_token: 1, website: 1, attachments: 1 };
  var store = null;
  try { store = window.sessionStorage; store.setItem(KEY + "-test", "1"); store.removeItem(KEY + "-test"); } catch (e) { store = null; }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !skip[el.name] && el.type !== "file" && el.type !== "submit" && el.type !== "button";
    });
  }
  function save() {
    if (!store) { return; }
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio") { if (el.checked) { data[el.name] = el.value; } }
      else if (el.type === "checkbox") { data[el.name] = el.checked; }
      else { data[el.name] = el.value; }
    });
    store.setItem(KEY, JSON.stringify(data));
  }
  function restore() {
    if (!store) { return false; }
    var raw = store.getItem(KEY);
    if (!raw) { return false; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return false; }
    var typed = fields().some(function (el) {
      return (el.tagName === "TEXTAREA" || el.type === "text" || el.type === "email" || el.type === "tel") && el.value;
    });
    if (typed) { return false; }  // the server sent the form back with what was typed: keep that
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "radio") { el.checked = el.value === data[el.name]; }
      else if (el.type === "checkbox") { el.checked = !!data[el.name]; }
      else { el.value = data[el.name]; }
    });
    return true;
  }
  if (restore()) {
    var notice = document.getElementById("draft-restored");
    if (notice) { notice.hidden = false; }
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  var discard = document.getElementById("draft-discard");
  if (discard) {
    discard.addEventListener("click", function () {
      if (store) { store.removeItem(KEY); }
      form.reset();
      document.getElementById("draft-restored").hidden = true;
    });
  }

  // --- attachments: checked before anything is sent, previewed ---
  var input = document.getElementById("attachments");
  var preview = document.getElementById("upload-preview");
  var problem = document.getElementById("upload-error");
  if (!input || !preview || !problem) { return; }
  var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
  var maxFiles = parseInt(input.getAttribute("data-max-files"), 10);
  var maxTotal = parseInt(input.getAttribute("data-max-total"), 10);
  function mb(bytes) { return (bytes / 1048576).toFixed(1).replace(".", ","); }
  function message(name, values) {
    var text = input.getAttribute("data-msg-" + name) || "";
    Object.keys(values).forEach(function (k) { text = text.replace("%(" + k + ")s", values[k]); });
    return text;
  }
  function check() {
    var files = Array.prototype.slice.call(input.files || []);
    var errors = [];
    var total = 0;
    while (preview.firstChild) { preview.removeChild(preview.firstChild); }
    if (files.length > maxFiles) { errors.push(message("count", { count: maxFiles })); }
    files.forEach(function (file) {
      total += file.size;
      var item = document.createElement("li");
      if (/^image\//.test(file.type) && window.URL && URL.createObjectURL) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        item.appendChild(img);
      }
      var caption = document.createElement("span");
      caption.textContent = file.name + " (" + mb(file.size) + " MB)";
      item.appendChild(caption);
      if (file.size > maxBytes) {
        item.className = "too-big";
        errors.push(message("size", { name: file.name, size: mb(file.size), max: mb(maxBytes) }));
      }
      preview.appendChild(item);
    });
    if (total > maxTotal) { errors.push(message("total", { size: mb(total), max: mb(maxTotal) })); }
    problem.textContent = errors.join(" ");
    problem.hidden = errors.length === 0;
    return errors.length === 0;
  }
  input.addEventListener("change", check);
  var sending = false;  // a second tap while the first sending is on its way would send the report twice
  form.addEventListener("submit", function (event) {
    save();
    if (!check()) {
      event.preventDefault();
      problem.focus();
    } else if (sending) {
      event.preventDefault();
    } else {
      sending = true;
    }
  });
  window.addEventListener("pageshow", function () { sending = false; });  // back to the form: it may be sent again
})();
