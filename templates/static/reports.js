// The reports page's charts, drawn with Chart.js from the JSON the page carries in
// <script type="application/json" id="report-charts"> (no inline script: the CSP forbids it).
(function () {
  "use strict";
  var COLORS = ["#1f5fa8", "#3c9a56", "#b26a00", "#b3261e", "#6b4fa3", "#2a8c8c", "#8a8f98",
                "#c2185b", "#5d7d1f", "#7b5e3b", "#455a64", "#e08a00"];

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options);
    new window.Chart(canvas, config);
  }

  function bars(labels, values, label, horizontal) {
    return {
      type: "bar",
      data: { labels: labels, datasets: [{ label: label, data: values, backgroundColor: COLORS }] },
      options: {
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
      }
    };
  }

  function start() {
    var source = document.getElementById("report-charts");
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (reduced) { window.Chart.defaults.animation = false; }

    draw("chart-weeks", {
      type: "line",
      data: {
        labels: data.weeks.labels,
        datasets: [
          { label: "Mean rating (1-5)", data: data.weeks.rating, yAxisID: "rating",
            borderColor: COLORS[0], backgroundColor: COLORS[0], spanGaps: true },
          { label: "Reply rate (%)", data: data.weeks.reply_rate, yAxisID: "rate",
            borderColor: COLORS[1], backgroundColor: COLORS[1], spanGaps: true }
        ]
      },
      options: {
        scales: {
          rating: { type: "linear", position: "left", min: 1, max: 5, title: { display: true, text: "rating" } },
          rate: { type: "linear", position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
                  title: { display: true, text: "% replied" } }
        }
      }
    });
    draw("chart-categories", bars(data.categories.labels, data.categories.values, "Replies", true));
    draw("chart-sla", {
      type: "doughnut",
      data: { labels: data.sla.labels,
              datasets: [{ data: data.sla.values, backgroundColor: [COLORS[1], COLORS[2], COLORS[6]] }] }
    });
    draw("chart-skips", bars(data.skips.labels, data.skips.values, "Not texted", true));
  }

  // Printing: let the charts take the printed width.
  window.addEventListener("beforeprint", function () {
    Object.values(window.Chart ? window.Chart.instances : {}).forEach(function (chart) { chart.resize(); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
