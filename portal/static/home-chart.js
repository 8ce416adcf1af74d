// Draws the 12-week chart on the admin home from data in the canvas's data- attributes
// (no inline script, so the page can run under a strict Content-Security-Policy).
(function () {
  "use strict";
  var canvas = document.getElementById("weekly-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var labels = JSON.parse(canvas.dataset.labels);
  var received = JSON.parse(canvas.dataset.received);
  var resolved = JSON.parse(canvas.dataset.resolved);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: labels,
      datasets: [
        { label: "Received", data: received, backgroundColor: "#16425b" },
        { label: "Resolved", data: resolved, backgroundColor: "#81c3d7" }
      ]
    },
    options: {
      animation: false,
      responsive: true,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
})();
