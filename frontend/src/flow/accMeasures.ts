import type { SegmentationFlow } from "../types/ViewerManifest";

/** What the flow chart plots per sequence k: eq. 6's ACC, or one of its two decompositions. */
export type AccMeasure = "acc" | "gamma_share" | "background_share";

export interface AccMeasureText {
  /** The selector's option and the chart's title. */
  label: string;
  /** The y axis. */
  axis: string;
  /** One sentence under the chart: what the curve means. */
  caption: string;
}

export const ACC_MEASURES: Record<AccMeasure, AccMeasureText> = {
  acc: {
    label: "ACC μ (eq. 6)",
    axis: "μ",
    caption:
      "μ_t = |η ∩ γ| / |η ∪ γ|: how closely sequence k's BCF η matches the final segmentation γ (Jaccard); " +
      "this is the curve the paper plotted (eq. 6, Fig. 7).",
  },
  gamma_share: {
    label: "Share of γ marked",
    axis: "|η ∩ γ| / |γ|",
    caption:
      "|η ∩ γ| / |γ|: the part of the final segmentation γ that sequence k marks, whatever it marks elsewhere; " +
      "a decomposition of the ACC, not plotted in the paper.",
  },
  background_share: {
    label: "Share of background marked",
    axis: "|η ∖ γ| / |¬γ|",
    caption:
      "|η ∖ γ| / |¬γ|: the part of the slice outside γ (the whole slice grid) that sequence k marks; " +
      "with the bias-free head every background pixel is marked by at least one sequence. Not plotted in the paper.",
  },
};

/** The exam's curve of `measure`: null where the manifest lacks it (no curves, or stored before the shares). */
export function examRows(exam: SegmentationFlow | null, measure: AccMeasure): (number | null)[][] | null {
  if (!exam) return null;
  return measure === "acc" ? exam.acc_mean : exam[measure];
}

/** A note beside the caption when the exam has ACC curves but not this decomposition of them. */
export function missingExamNote(exam: SegmentationFlow | null, measure: AccMeasure): string {
  if (!exam || examRows(exam, measure)) return "";
  return "The exam's curve is missing: its ACC curves were stored before the shares were computed; a re-run of them adds it.";
}
