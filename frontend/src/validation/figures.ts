import type { Figure } from "../dashboard/figures";
import type { components } from "../types/api";

type Results = components["schemas"]["Evaluation"]["results"];

interface CaseRow {
  case: string;
  tumour_group: string;
  site: string;
  scanner: string;
  dice: number;
}
interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  confidence: number | null;
  accuracy: number | null;
}
interface Pca {
  explained_variance_ratio: number[];
  /** What `site` holds: the recorded site, or the scanner where the dataset records no site. */
  points: { case: string; site: string; pc1: number; pc2: number }[];
}
/** The parts of an evaluation's results the charts read (reviewer.validation.evaluation). */
export interface EvaluationResults {
  cases: CaseRow[];
  calibration: { reliability: ReliabilityBin[] };
  data_quality: { pca: Pca | null; pca_note?: string; pca_labels?: "site" | "scanner" };
}

/** Per-case Dice of the candidate against the reference region, one bar per case. */
export function diceFigure(results: EvaluationResults): Figure {
  return {
    data: [
      {
        type: "bar",
        x: results.cases.map((row) => row.case),
        y: results.cases.map((row) => row.dice),
        customdata: results.cases.map((row) => [row.tumour_group, row.site, row.scanner]),
        hovertemplate: "%{x}<br>%{customdata[0]} · %{customdata[1]} · %{customdata[2]}<br>Dice %{y:.3f}<extra></extra>",
        marker: { color: "#175c99" },
      },
    ],
    layout: { title: { text: "Dice per case" }, yaxis: { range: [0, 1], title: { text: "Dice" } } },
  };
}

/** The pooled reliability diagram: observed foreground frequency against mean confidence per bin. */
export function reliabilityFigure(results: EvaluationResults): Figure {
  const bins = results.calibration.reliability.filter((bin) => bin.count > 0 && bin.confidence !== null);
  return {
    data: [
      { type: "scatter", mode: "lines", x: [0, 1], y: [0, 1], name: "perfect", line: { dash: "dot", color: "#aeb8c3" } },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "model",
        x: bins.map((bin) => bin.confidence),
        y: bins.map((bin) => bin.accuracy),
        customdata: bins.map((bin) => bin.count),
        hovertemplate: "confidence %{x:.2f}<br>observed %{y:.2f}<br>%{customdata} voxels<extra></extra>",
        marker: { color: "#b35c00" },
      },
    ],
    layout: {
      title: { text: "Reliability" },
      xaxis: { range: [0, 1], title: { text: "mean confidence" } },
      yaxis: { range: [0, 1], title: { text: "observed frequency" } },
      showlegend: false,
    },
  };
}

/** The quality features' first two principal components, one colour per site (per scanner where
 * no site is recorded); null without a PCA. */
export function qualityPcaFigure(results: EvaluationResults): Figure | null {
  const pca = results.data_quality.pca;
  if (pca === null) return null;
  const sites = [...new Set(pca.points.map((point) => point.site))];
  const [first = 0, second = 0] = pca.explained_variance_ratio;
  const labels = results.data_quality.pca_labels ?? "scanner";
  return {
    data: sites.map((site) => {
      const points = pca.points.filter((point) => point.site === site);
      return {
        type: "scatter",
        mode: "markers",
        name: site,
        x: points.map((point) => point.pc1),
        y: points.map((point) => point.pc2),
        text: points.map((point) => point.case),
        hovertemplate: "%{text}<extra>%{fullData.name}</extra>",
      };
    }),
    layout: {
      title: { text: `Quality features by ${labels} (PCA)` },
      xaxis: { title: { text: `PC1 (${(100 * first).toFixed(0)} %)` } },
      yaxis: { title: { text: `PC2 (${(100 * second).toFixed(0)} %)` } },
    },
  };
}

/** The charts of the run page, by the name of their `[data-chart]` element. */
export function evaluationFigures(results: Results): Record<string, Figure | null> {
  const read = results as unknown as EvaluationResults;
  return { dice: diceFigure(read), reliability: reliabilityFigure(read), "quality-pca": qualityPcaFigure(read) };
}

interface MeanInterval {
  mean: number | null;
  low: number | null;
  high: number | null;
}
/** One ε of a robustness sweep (reviewer.validation.robustness). */
export interface EpsilonRow {
  epsilon: number;
  summary: { dice: MeanInterval };
}

/** Mean Dice against the FGSM ε with its 95 % interval as a band. */
export function robustnessFigure(rows: readonly EpsilonRow[]): Figure {
  const epsilons = rows.map((row) => row.epsilon);
  const dice = rows.map((row) => row.summary.dice);
  return {
    data: [
      {
        type: "scatter",
        mode: "lines",
        x: [...epsilons, ...[...epsilons].reverse()],
        y: [...dice.map((d) => d.high ?? d.mean), ...[...dice].reverse().map((d) => d.low ?? d.mean)],
        fill: "toself",
        fillcolor: "rgba(23, 92, 153, 0.15)",
        line: { width: 0 },
        hoverinfo: "skip",
        name: "95 % interval",
      },
      { type: "scatter", mode: "lines+markers", x: epsilons, y: dice.map((d) => d.mean), name: "mean Dice", marker: { color: "#175c99" } },
    ],
    layout: {
      title: { text: "Dice under FGSM" },
      xaxis: { title: { text: "ε" } },
      yaxis: { range: [0, 1], title: { text: "Dice" } },
      showlegend: false,
    },
  };
}
