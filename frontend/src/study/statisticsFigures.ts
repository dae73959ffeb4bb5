// The figures of a reader study's statistics page, from the data the page embeds
// (reviewer/studies/statistics_views.py): reading time per reader and arm, Fleiss' kappa per
// question and arm, and sensitivity per reader and arm, each with its confidence interval.
import type { Data, Layout } from "plotly.js-dist-min";

interface Estimate {
  arm: string;
  value: number;
  ci_low: number | null;
  ci_high: number | null;
}

export interface StudyCharts {
  times: { reader: string; arm: string; seconds: number }[];
  agreement: (Estimate & { question: string })[];
  detection: (Estimate & { reader: string })[];
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
      data: estimateBars(charts.agreement, (row) => row.question),
      layout: { barmode: "group", yaxis: { title: { text: "Fleiss' κ" }, range: [-1, 1] } },
    };
  }
  if (charts.detection.length > 0) {
    figures.detection = {
      data: estimateBars(charts.detection, (row) => row.reader),
      layout: { barmode: "group", yaxis: { title: { text: "sensitivity" }, range: [0, 1] } },
    };
  }
  return figures;
}

/** One bar trace per arm, an estimate per x with its (asymmetric) confidence interval. */
function estimateBars<T extends Estimate>(rows: T[], x: (row: T) => string): Data[] {
  return ARMS.map((arm) => {
    const inArm = rows.filter((row) => row.arm === arm);
    return {
      type: "bar",
      name: ARM_NAMES[arm],
      x: inArm.map(x),
      y: inArm.map((row) => row.value),
      error_y: {
        type: "data",
        symmetric: false,
        array: inArm.map((row) => (row.ci_high === null ? 0 : row.ci_high - row.value)),
        arrayminus: inArm.map((row) => (row.ci_low === null ? 0 : row.value - row.ci_low)),
      },
    };
  });
}
