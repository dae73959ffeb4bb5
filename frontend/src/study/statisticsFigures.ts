// The figures of a reader study's statistics page, from the data the page embeds
// (reviewer/studies/statistics_views.py): reading time per reader and arm, and Fleiss' kappa
// per question and arm with its confidence interval.
import type { Data, Layout } from "plotly.js-dist-min";

export interface StudyCharts {
  times: { reader: string; arm: string; seconds: number }[];
  agreement: { question: string; arm: string; value: number; ci_low: number | null; ci_high: number | null }[];
}

export interface Figure {
  data: Data[];
  layout: Partial<Layout>;
}

const ARM_NAMES: Record<string, string> = { unaided: "Unaided", ai_aided: "AI-aided" };
const ARMS = Object.keys(ARM_NAMES);

export function studyFigures(charts: StudyCharts): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  if (charts.times.length > 0) {
    figures.times = {
      data: ARMS.map((arm) => {
        const rows = charts.times.filter((row) => row.arm === arm);
        return { type: "box", name: ARM_NAMES[arm], x: rows.map((row) => row.reader), y: rows.map((row) => row.seconds), boxpoints: "all" };
      }),
      layout: { boxmode: "group", yaxis: { title: { text: "seconds" }, rangemode: "tozero" } },
    };
  }
  if (charts.agreement.length > 0) {
    figures.agreement = {
      data: ARMS.map((arm) => {
        const rows = charts.agreement.filter((row) => row.arm === arm);
        return {
          type: "bar",
          name: ARM_NAMES[arm],
          x: rows.map((row) => row.question),
          y: rows.map((row) => row.value),
          error_y: {
            type: "data",
            symmetric: false,
            array: rows.map((row) => (row.ci_high === null ? 0 : row.ci_high - row.value)),
            arrayminus: rows.map((row) => (row.ci_low === null ? 0 : row.value - row.ci_low)),
          },
        };
      }),
      layout: { barmode: "group", yaxis: { title: { text: "Fleiss' κ" }, range: [-1, 1] } },
    };
  }
  return figures;
}
