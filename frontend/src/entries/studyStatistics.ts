// Reader study statistics page: the server renders the tables; this draws the same figures.
import Plotly from "plotly.js-dist-min";
import { CONFIG, LAYOUT } from "../dashboard/charts";
import { type StudyCharts, studyFigures } from "../study/statisticsFigures";

const embedded = document.getElementById("study-charts");
if (embedded?.textContent) {
  const charts = JSON.parse(embedded.textContent) as StudyCharts;
  for (const [name, figure] of Object.entries(studyFigures(charts))) {
    const element = document.querySelector<HTMLElement>(`[data-chart="${name}"]`);
    if (element === null) continue;
    const layout = { ...LAYOUT, ...figure.layout, yaxis: { ...LAYOUT.yaxis, ...figure.layout.yaxis } };
    Plotly.newPlot(element, figure.data, layout, CONFIG).catch((error: unknown) => {
      element.textContent = `The chart could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
    });
  }
}
