/* The network page's over-time chart (Chart.js, vendored): how the share of links across
   sectors and the share of institutions in the largest component grew, year by year, with
   the number of institutions. The table under it holds the same figures.
   Chart.js (200 KiB) is fetched only when the chart comes near the window: the graph at the
   top of the page is what a phone must make interactive first (issue 17). */
(function () {
  "use strict";
  var source = document.getElementById("network-over-time-data");
  var canvas = document.getElementById("network-over-time-chart");
  if (!source || !canvas) {
    return;
  }

  function loadChartJs() {
    if (typeof window.Chart === "function") {
      draw();
      return;
    }
    var script = document.createElement("script");
    script.src = canvas.dataset.chartSrc;
    script.onload = draw;
    document.head.appendChild(script);
  }

  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        loadChartJs();
      }
    }, { rootMargin: "400px 0px" });
    observer.observe(canvas);
  } else {
    loadChartJs();
  }

  function draw() {
    var data = JSON.parse(source.textContent);
    var rows = data.rows || [];
    function percent(part, whole) {
      return whole ? Math.round(1000 * part / whole) / 10 : null;
    }

    new window.Chart(canvas, {
      data: {
        labels: rows.map(function (row) { return row.label; }),
        datasets: [
          {
            type: "line",
            label: data.labels.cross,
            data: rows.map(function (row) {
              return row.cross_sector_share === null ? null : Math.round(1000 * row.cross_sector_share) / 10;
            }),
            // Not sector colours: these lines are about all sectors together.
            borderColor: "#0b5d57",
            backgroundColor: "#0b5d57",
            yAxisID: "share"
          },
          {
            type: "line",
            label: data.labels.component,
            data: rows.map(function (row) { return percent(row.largest_component_size, row.node_count); }),
            borderColor: "#1f2a28",
            backgroundColor: "#1f2a28",
            borderDash: [6, 4],
            yAxisID: "share"
          },
          {
            type: "bar",
            label: data.labels.institutions,
            data: rows.map(function (row) { return row.node_count; }),
            backgroundColor: "rgba(154, 167, 164, 0.45)",
            yAxisID: "count"
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          share: { type: "linear", position: "left", min: 0, max: 100 },
          count: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }
}());
