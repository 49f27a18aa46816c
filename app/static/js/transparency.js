/* Draws the transparency charts from the JSON the page embeds (Chart.js, served locally). */
(function () {
  var select = document.getElementById("periode");
  if (select) { select.addEventListener("change", function () { select.form.submit(); }); }
  if (!window.Chart) { return; }
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#2f6fa7", "#f0a202", "#3c9d5d", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#27ae60", "#2c3e50"];
  function draw(id, type, series, label) {
    var el = document.getElementById(id);
    if (!el || !series) { return; }
    new Chart(el, {
      type: type,
      data: { labels: series.labels, datasets: [{ label: label, data: series.values,
        backgroundColor: type === "line" ? "rgba(47,111,167,0.2)" : palette, borderColor: "#2f6fa7" }] },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: type === "doughnut" } },
        indexAxis: type === "bar" && series.labels.length > 6 ? "y" : "x" }
    });
  }
  draw("chart-trend", "line", data.trend, data.labels.received);
  draw("chart-status", "doughnut", data.status, data.labels.received);
  draw("chart-category", "bar", data.category, data.labels.received);
  draw("chart-channel", "bar", data.channel, data.labels.received);
  draw("chart-district", "bar", data.district, data.labels.received);
})();
