import type { ViewerLesion } from "../types/ViewerManifest";

/** The reading order of the lesion panel: new lesions first, then the largest first. */
export function orderLesions(lesions: readonly ViewerLesion[]): ViewerLesion[] {
  return [...lesions].sort((a, b) => Number(b.new) - Number(a.new) || b.volume_ml - a.volume_ml || a.index - b.index);
}

/**
 * The position after `current` moving by `step` (+1 next, −1 previous), wrapping around;
 * from no selection (−1) the first step forward lands on the first lesion, backward on the last.
 */
export function stepLesion(current: number, step: 1 | -1, count: number): number {
  if (count === 0) return -1;
  if (current < 0) return step > 0 ? 0 : count - 1;
  return (current + step + count) % count;
}
