import type { Data, Shape } from "plotly.js-dist-min";
import type { CohortAcc, SegmentationFlow } from "../types/ViewerManifest";
import { examRows } from "./accMeasures";
import type { AccMeasure } from "./accMeasures";
import { FLOW_CHANNELS } from "./flowFrames";
import { SEQUENCE_COLORS, rgba } from "./sequenceColors";

export interface AccCurves {
  /** The slice's stages and its μ_t^k (one row per stage, channel order). */
  stages: number[];
  mu: (number | null)[][];
  /** The slice's |η ∩ γ| / |γ| and |η ∖ γ| / |¬γ| per stage and channel. */
  gamma_share: (number | null)[][];
  background_share: (number | null)[][];
  /** The exam's ACC (and its shares, if stored), averaged over its slices. */
  exam: SegmentationFlow | null;
  /** The cohort's mean ± SD of exam ACC curves for the segmentation's target. */
  cohort: CohortAcc | null;
}

const hover = (measure: AccMeasure): string =>
  `%{fullData.name}<br>t = %{x:.2f}, ${measure === "acc" ? "μ" : "share"} = %{y:.3f}<extra></extra>`;

/**
 * The chart's traces of `measure`, per sequence: for the ACC the cohort band (mean − SD, then
 * mean + SD filled down to it; the cohort has the ACC only), the exam's curve (dashed) and the
 * slice's curve (solid, the only legend entry: clicking it toggles the sequence's group).
 */
export function accTraces(curves: AccCurves, measure: AccMeasure = "acc"): Data[] {
  const { stages, exam } = curves;
  const cohort = measure === "acc" ? curves.cohort : null;
  const sliceRows = measure === "acc" ? curves.mu : curves[measure];
  const examCurve = examRows(exam, measure);
  const template = hover(measure);
  return FLOW_CHANNELS.flatMap((sequence, channel): Data[] => {
    const color = rgba(SEQUENCE_COLORS[sequence], 1);
    const group = { legendgroup: sequence, type: "scatter" as const, mode: "lines" as const };
    const traces: Data[] = [];
    if (cohort) {
      const mean = column(cohort.mean, channel);
      const sd = column(cohort.sd, channel);
      const band = (sign: number): (number | null)[] =>
        mean.map((value, index) => (value === null || sd[index] == null ? null : value + sign * sd[index]!));
      const edge = { ...group, x: cohort.stages, line: { width: 0 }, showlegend: false, hoverinfo: "skip" as const };
      traces.push(
        { ...edge, y: band(-1), name: `${sequence} cohort mean − SD` },
        { ...edge, y: band(1), name: `${sequence} cohort mean + SD`, fill: "tonexty", fillcolor: rgba(SEQUENCE_COLORS[sequence], 0.15) },
      );
    }
    if (exam && examCurve) {
      traces.push({
        ...group, x: exam.stages, y: column(examCurve, channel), name: `${sequence} exam`,
        line: { color, width: 1.5, dash: "dash" }, showlegend: false, hovertemplate: template,
      });
    }
    traces.push({ ...group, x: stages, y: column(sliceRows, channel), name: sequence, line: { color, width: 2.5 }, hovertemplate: template });
    return traces;
  });
}

/** The vertical line at the shown stage. */
export function stageMarker(t: number): Partial<Shape> {
  return { type: "line", xref: "x", yref: "paper", x0: t, x1: t, y0: 0, y1: 1, line: { color: "#1a222c", width: 1, dash: "dot" } };
}

function column(rows: readonly (readonly (number | null)[])[], channel: number): (number | null)[] {
  return rows.map((row) => row[channel] ?? null);
}
