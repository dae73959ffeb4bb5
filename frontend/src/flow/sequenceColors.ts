import type { Rgb, SequenceName } from "../types/ViewerManifest";

/** One colour per sequence for its BCF overlay and its ACC curves: the blue, green, orange and red of the paper's flows. */
export const SEQUENCE_COLORS: Record<SequenceName, Rgb> = {
  FLAIR: [31, 119, 180],
  T1: [44, 160, 44],
  T1CE: [255, 127, 14],
  T2: [214, 39, 40],
};

export function rgba([red, green, blue]: Rgb, alpha: number): string {
  return `rgba(${red}, ${green}, ${blue}, ${alpha})`;
}
