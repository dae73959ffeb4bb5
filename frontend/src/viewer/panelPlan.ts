import type { SequenceName, ViewerExam, ViewerManifest, ViewerSegmentation, ViewerSeries } from "../types/ViewerManifest";

/** What one exam panel shows before the reader changes anything. */
export interface PanelPlan {
  exam: ViewerExam;
  /** The series the panel opens with: FLAIR where the exam has one. */
  initial: ViewerSeries;
}

const DEFAULT_SEQUENCE: SequenceName = "FLAIR";

/** One panel per exam that has images, current first (the manifest's order), at most three. */
export function planPanels(manifest: ViewerManifest): PanelPlan[] {
  return manifest.exams
    .filter((exam) => exam.series.length > 0)
    .slice(0, 3)
    .map((exam) => ({
      exam,
      initial: exam.series.find((s) => s.sequence === DEFAULT_SEQUENCE) ?? exam.series[0]!,
    }));
}

/**
 * The exam's segmentation from the same source as `picked`: same source, kind and target,
 * preferring the same name (model version or reader), so a prior shows what the current shows.
 */
export function matchingSegmentation(exam: ViewerExam, picked: ViewerSegmentation): ViewerSegmentation | undefined {
  const same = exam.segmentations.filter(
    (s) => s.source === picked.source && s.kind === picked.kind && s.target === picked.target,
  );
  return same.find((s) => s.name === picked.name) ?? same[0];
}

/** The current exam of the manifest. */
export function currentExam(manifest: ViewerManifest): ViewerExam | undefined {
  return manifest.exams.find((exam) => exam.id === manifest.current_exam);
}

/**
 * The current exam's segmentations in the order the reader picks from, the first shown by
 * default: the AI results a reader reviews (composites, and model maps not composed into
 * one), then the others (readers', the reference), then a composite's single-target parts.
 */
export function reviewOrder(segmentations: readonly ViewerSegmentation[]): ViewerSegmentation[] {
  const rank = (s: ViewerSegmentation): number => (s.part_of !== null ? 3 : s.source === "composite" ? 0 : s.source === "model" ? 1 : 2);
  return [...segmentations].sort((a, b) => rank(a) - rank(b));
}

/** The NODE flow to play for the picked segmentation: its own, or its WT part's (else its first NODE part's). */
export function flowSegmentation(
  picked: ViewerSegmentation | undefined,
  segmentations: readonly ViewerSegmentation[],
  isNode: (segmentation: ViewerSegmentation) => boolean,
): ViewerSegmentation | undefined {
  if (picked && isNode(picked)) return picked;
  const parts = segmentations.filter((s) => isNode(s) && picked?.parts.includes(s.id));
  return parts.find((s) => s.target === "WT") ?? parts[0] ?? segmentations.find(isNode);
}
