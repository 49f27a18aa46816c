/* Optional location from the browser for the report form (no external service). */
(function () {
  var button = document.getElementById("use-location");
  if (!button) { return; }
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
})();
