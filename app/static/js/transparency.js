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
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: type === "doughnut" } },
        indexAxis: type === "bar" && series.labels.length > 6 ? "y" : "x" }
    });
  }
  var charts = [["chart-trend", "line", data.trend], ["chart-status", "doughnut", data.status],
                ["chart-category", "bar", data.category], ["chart-channel", "bar", data.channel],
                ["chart-district", "bar", data.district]];
  // each chart is drawn when it comes into view, one per frame: a cheap phone stays responsive
  function later(chart) { draw(chart[0], chart[1], chart[2], data.labels.received); }
  if (!("IntersectionObserver" in window)) { charts.forEach(later); return; }
  var byId = {};
  charts.forEach(function (chart) { byId[chart[0]] = chart; });
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      observer.unobserve(entry.target);
      window.requestAnimationFrame(function () { later(byId[entry.target.id]); });
    });
  }, { rootMargin: "200px" });
  charts.forEach(function (chart) {
    var el = document.getElementById(chart[0]);
    if (el) { observer.observe(el); }
  });
})();
