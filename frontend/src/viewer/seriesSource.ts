import type { AcquiredSeries, SequenceName, ViewerExam, ViewerSeries } from "../types/ViewerManifest";

/** What a panel shows of a sequence: the series the models see, or its original as the scanner acquired it. */
export type SeriesSource = "prepared" | "acquired";

/**
 * The series of `sequence` a panel shows: the original where it is asked for and the exam keeps
 * one (a clinical exam), else the prepared series. Both lie in the same LPS world, so either
 * lines up with the other panels.
 */
export function shownSeries(exam: ViewerExam, sequence: SequenceName, source: SeriesSource): ViewerSeries | undefined {
  const acquired = source === "acquired" ? exam.acquired_series.find((s) => s.sequence === sequence) : undefined;
  return acquired ?? exam.series.find((s) => s.sequence === sequence);
}

export function isAcquired(series: ViewerSeries): series is AcquiredSeries {
  return "slice_thickness_mm" in series;
}

/** How the status line names the shown series: an original says so plainly, so that nobody grades on it. */
export function seriesCaption(series: ViewerSeries): string {
  if (!isAcquired(series)) return series.sequence;
  const details = [series.description, series.slice_thickness_mm ? `${series.slice_thickness_mm} mm slices` : ""].filter(Boolean);
  return `${series.sequence} as acquired${details.length ? ` (${details.join(", ")})` : ""}`;
}
