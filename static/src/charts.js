// Charts for numbers people compare (spend, deadlines, rights windows). Data comes from a
// <script type="application/json"> block next to each <canvas data-chart>.
//
// Only what our charts use is registered (horizontal bars, lines, category and linear axes, tooltips), so the
// bundle leaves out the other chart types, scales and plugins. A chart of a new kind registers its parts here.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

// Lines: clicks per day on tracked links.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip);

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (source) new Chart(canvas, JSON.parse(source.textContent));
  });
});
