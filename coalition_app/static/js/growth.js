// Draws the growth dashboard's charts from the JSON the page carries (#growth-data).
// No inline script: this file is served from /static, so a strict CSP can forbid inline code.
(function () {
  "use strict";
  var source = document.getElementById("growth-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var rootStyle = getComputedStyle(document.documentElement);

  function sectorColor(slug) {
    return rootStyle.getPropertyValue("--sector-" + slug).trim() || "#0b5d57";
  }

  function withAlpha(hex, alpha) {
    var value = hex.replace("#", "");
    if (value.length !== 6) {
      return hex;
    }
    var r = parseInt(value.slice(0, 2), 16);
    var g = parseInt(value.slice(2, 4), 16);
    var b = parseInt(value.slice(4, 6), 16);
    return "rgba(" + r + ", " + g + ", " + b + ", " + alpha + ")";
  }

  // Each chart is drawn when it comes near the window, in a task of its own: drawing all five
  // at once held a phone's main thread for over a second (Lighthouse, issue 17).
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        window.setTimeout(entry.target.drawChart, 0);
      }
    });
  }, { rootMargin: "200px 0px" }) : null;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    canvas.drawChart = function () {
      new Chart(canvas, config);
      canvas.dataset.drawn = "true";
    };
    if (observer) {
      observer.observe(canvas);
    } else {
      canvas.drawChart();
    }
  }

  // Long names (working groups, states) wrap onto lines of about a third of the chart's width,
  // so a narrow chart keeps them whole instead of cutting them at the canvas's left edge.
  function wrappedLabel(value) {
    var label = String(this.getLabelForValue(value));
    var limit = Math.max(10, Math.floor(this.chart.width / 3 / 6.5));
    if (label.length <= limit) {
      return label;
    }
    var lines = [];
    var line = "";
    label.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > limit) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines;
  }

  var yearEnds = {};
  data.members.yearEnds.forEach(function (index) { yearEnds[index] = true; });

  // The year ends' larger points, drawn over the lines. A radius per point (an array) made
  // Chart.js resolve every point's options one by one: two thirds of the chart's drawing time
  // on a phone (issue 17); the lines' own points all share one radius, 0.
  var yearEndPoints = {
    id: "yearEndPoints",
    afterDatasetsDraw: function (chart) {
      var context = chart.ctx;
      context.save();
      chart.data.datasets.forEach(function (dataset, datasetIndex) {
        var meta = chart.getDatasetMeta(datasetIndex);
        if (meta.hidden) {
          return;
        }
        context.fillStyle = dataset.backgroundColor;
        context.strokeStyle = dataset.borderColor;
        context.lineWidth = 1;
        data.members.yearEnds.forEach(function (index) {
          var point = meta.data[index];
          if (point && !point.skip) {
            context.beginPath();
            context.arc(point.x, point.y, 4, 0, 2 * Math.PI);
            context.fill();
            context.stroke();
          }
        });
      });
      context.restore();
    }
  };

  draw("chart-members", {
    type: "line",
    data: {
      labels: data.members.labels,
      datasets: data.sectors.map(function (sector) {
        var color = sectorColor(sector.slug);
        return {
          label: sector.label,
          data: data.members.counts[sector.slug],
          borderColor: color,
          backgroundColor: withAlpha(color, 0.55),
          fill: true,
          pointRadius: 0,
          pointHoverRadius: 5,
          borderWidth: 1
        };
      })
    },
    plugins: [yearEndPoints],
    options: {
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { stacked: true, beginAtZero: true, title: { display: true, text: data.text.members } },
        x: {
          ticks: {
            autoSkip: false,
            maxRotation: 0,
            callback: function (_value, index) {
              return yearEnds[index] ? data.members.labels[index].slice(0, 4) : null;
            }
          }
        }
      }
    }
  });

  draw("chart-joins", {
    type: "bar",
    data: {
      labels: data.joins.labels,
      datasets: [{ label: data.text.joined, data: data.joins.counts, backgroundColor: "#0b5d57" }]
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  draw("chart-sectors", {
    type: "doughnut",
    data: {
      labels: data.bySector.labels,
      datasets: [{ data: data.bySector.counts, backgroundColor: data.bySector.slugs.map(sectorColor) }]
    }
  });

  draw("chart-states", {
    type: "bar",
    data: {
      labels: data.byState.labels,
      datasets: [{ label: data.text.members, data: data.byState.counts, backgroundColor: "#1f5fa8" }]
    },
    options: {
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false, callback: wrappedLabel } } }
    }
  });

  draw("chart-groups", {
    type: "bar",
    data: {
      labels: data.groups.labels,
      datasets: data.sectors.map(function (sector) {
        return { label: sector.label, data: data.groups.counts[sector.slug], backgroundColor: sectorColor(sector.slug) };
      })
    },
    options: {
      indexAxis: "y",
      scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true, ticks: { autoSkip: false, callback: wrappedLabel } } }
    }
  });
})();
