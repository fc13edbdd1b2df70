/* Draws the reports' charts with the vendored Chart.js; the tables show the same numbers. */
(function () {
  "use strict";
  function draw() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = JSON.parse(canvas.dataset.chart);
      new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: [{ label: spec.label, data: spec.values, backgroundColor: "#0a5a80", borderColor: "#0a5a80", tension: 0.2 }]
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, suggestedMax: 100 } } }
      });
    });
  }
  if (document.readyState !== "loading") draw();
  else document.addEventListener("DOMContentLoaded", draw);
})();
