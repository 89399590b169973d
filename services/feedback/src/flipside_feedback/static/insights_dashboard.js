// Draws each cut of the page's insights with Chart.js. A withheld cell is a gap labelled "withheld",
// never a zero bar; the table under each chart says why. When done, <body data-rendered> holds the
// number of charts drawn, so a browser test can tell drawn charts from an empty page.
(function () {
  "use strict";
  const insights = JSON.parse(document.getElementById("insights-data").textContent);
  const figures = new Map(insights.figures.map((figure) => [figure.key, figure]));
  const overTime = new Set(["week", "month"]);

  const axes = {
    share: { min: 0, max: 1, ticks: { callback: (value) => Math.round(value * 100) + "%" } },
    mean: { min: 1, max: 5 },
    change: { suggestedMin: -2, suggestedMax: 2 },
    count: { beginAtZero: true, ticks: { precision: 0 } },
  };

  let drawn = 0;
  for (const canvas of document.querySelectorAll("canvas[data-figure]")) {
    const figure = figures.get(canvas.dataset.figure);
    const cut = figure.cuts.find((candidate) => candidate.dimension === canvas.dataset.dimension);
    const line = overTime.has(cut.dimension);
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: cut.cells.map((cell) => (cell.suppressed ? cell.group + " (withheld)" : cell.group)),
        datasets: [{
          label: figure.label,
          data: cut.cells.map((cell) => cell.value),
          spanGaps: false,
          backgroundColor: "#3b6ea5",
          borderColor: "#3b6ea5",
        }],
      },
      options: {
        animation: false,
        responsive: false,
        plugins: { legend: { display: false } },
        scales: { y: axes[figure.measure] },
      },
    });
    drawn += 1;
  }
  document.body.dataset.rendered = String(drawn);
})();
