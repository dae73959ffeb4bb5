/**
 * What the viewer does on a page: clinical review, or a reader study's reading, where the
 * reader's answers are the study form beside the viewer and nothing done in the viewer may
 * write a clinical record (no grade, no lesion or alarm verdict, no preprocessing review).
 */
export type ViewerMode = "review" | "study-reading";

/** What the page asks of the viewer, read once from the root's attributes (viewer/_viewer_root.html). */
export interface ViewerOptions {
  mode: ViewerMode;
  manifestUrl: string;
  /** The segmentation to review first, when the page names one. */
  initialSegmentation: number | undefined;
  /** QA admins and the data steward may reject or rerun a preprocessing run; never in a study reading. */
  mayReviewPreprocessing: boolean;
}

export function viewerOptions(root: HTMLElement): ViewerOptions {
  const { dataset } = root;
  if (!dataset.manifestUrl) throw new Error("NeuroReview: #viewer has no data-manifest-url");
  const mode: ViewerMode = dataset.studyReading === "true" ? "study-reading" : "review";
  return {
    mode,
    manifestUrl: dataset.manifestUrl,
    initialSegmentation: Number(dataset.segmentation) || undefined,
    mayReviewPreprocessing: mode === "review" && dataset.mayReviewPreprocessing === "true",
  };
}
