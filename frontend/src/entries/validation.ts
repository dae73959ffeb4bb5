// A validation run's page: the evaluation's charts, drawn from its JSON.
import Plotly from "plotly.js-dist-min";
import { CONFIG, LAYOUT } from "../dashboard/charts";
import { apiJson } from "../net/apiJson";
import type { components } from "../types/api";
import { evaluationFigures, robustnessFigure } from "../validation/figures";
import type { EpsilonRow } from "../validation/figures";
import "../validation/validation.css";

const root = document.querySelector<HTMLElement>("main");
if (root !== null) {
  const source = root.querySelector<HTMLElement>("[data-evaluation]")?.dataset.evaluation ?? "";
  apiJson<components["schemas"]["Evaluation"]>(source)
    .then(async (evaluation) => {
      const sweep = document.getElementById("robustness-results");
      const figures = {
        ...evaluationFigures(evaluation.results),
        ...(sweep ? { robustness: robustnessFigure(JSON.parse(sweep.textContent ?? "[]") as EpsilonRow[]) } : {}),
      };
      for (const [name, figure] of Object.entries(figures)) {
        const element = root.querySelector<HTMLElement>(`[data-chart="${name}"]`);
        if (element === null) continue;
        if (figure === null) {
          element.textContent = "Too few cases for this chart.";
          continue;
        }
        await Plotly.newPlot(element, figure.data, { ...LAYOUT, height: 260, ...figure.layout }, CONFIG);
      }
    })
    .catch((error: unknown) => {
      for (const chart of root.querySelectorAll<HTMLElement>("[data-chart]")) {
        chart.textContent = `The chart could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
      }
    });
}
