/* The network page's over-time chart (Chart.js, vendored): how the share of links across
   sectors and the share of institutions in the largest component grew, year by year, with
   the number of institutions. The table under it holds the same figures. */
(function () {
  "use strict";
  var source = document.getElementById("network-over-time-data");
  var canvas = document.getElementById("network-over-time-chart");
  if (!source || !canvas || typeof window.Chart !== "function") {
    return;
  }
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
}());
