// Draws every <canvas class="report-chart"> from its data- attributes: data-labels (a JSON
// list) and data-series (a JSON list of {label, data}). No inline script: strict CSP.
(function () {
  "use strict";
  // A report over a long period takes a moment: say so while the next page is computed.
  document.querySelectorAll("form.report-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var note = form.querySelector(".working");
      if (note) { note.hidden = false; }
    });
  });
  if (typeof Chart === "undefined") { return; }
  var colours = ["#16425b", "#81c3d7", "#d9a441", "#2f6690"];
  document.querySelectorAll("canvas.report-chart").forEach(function (canvas) {
    var series = JSON.parse(canvas.dataset.series);
    new Chart(canvas, {
      type: canvas.dataset.kind || "bar",
      data: {
        labels: JSON.parse(canvas.dataset.labels),
        datasets: series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: colours[i % colours.length] };
        })
      },
      options: {
        animation: false,
        responsive: true,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    canvas.dataset.drawn = "yes";
  });
})();
