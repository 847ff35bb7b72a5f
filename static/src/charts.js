// Charts for numbers people compare (spend, deadlines, rights windows). Data comes from a
// <script type="application/json"> block next to each <canvas data-chart>.
import { Chart, registerables } from "chart.js";

Chart.register(...registerables);

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (source) new Chart(canvas, JSON.parse(source.textContent));
  });
});
