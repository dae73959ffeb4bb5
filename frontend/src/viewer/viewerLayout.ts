import { keyHelp } from "./keyboard";
import type { ViewerMode } from "./viewerOptions";

/** The parts of the viewer page, built inside `#viewer`. */
export interface ViewerLayout {
  alarms: HTMLElement;
  segmentation: HTMLSelectElement;
  panels: HTMLElement;
  lesions: HTMLTableElement;
  reviewProgress: HTMLElement;
  belowMinimum: HTMLElement;
  reviewStatus: HTMLElement;
  /** The grading panel's place: none in a study reading. */
  grading: HTMLElement | undefined;
  /** Lesion marks for a reader study's answer: hidden unless the page asks for them. */
  marks: HTMLElement;
  /** The keyboard shortcuts, told under the lesion review. */
  keys: HTMLElement;
  /** The exam's preprocessing: none in a study reading. */
  preprocessing: PreprocessingLayout | undefined;
  flowHost: HTMLElement;
  message: HTMLElement;
}

export interface PreprocessingLayout {
  /** Hidden for an exam that has neither a run nor originals. */
  section: HTMLElement;
  seriesSource: HTMLSelectElement;
  brainMask: HTMLInputElement;
  run: HTMLElement;
}

/**
 * The header holds one line per exam with alarms (their list opens over the page); the side
 * column beside the panels holds the segmentation under review, its lesion review, the exam's
 * preprocessing (collapsed) and, under them, the grading panel, so none ever covers an image.
 * A study reading's side column has the segmentation and its lesions only, to look at.
 */
export function viewerLayout(root: HTMLElement, mode: ViewerMode): ViewerLayout {
  const clinical = mode === "review";
  root.classList.add("viewer");
  root.innerHTML = `
    <header class="viewer-header">
      <section class="viewer-alarms" aria-label="Open alarms"></section>
    </header>
    <p class="viewer-message error-list" role="alert" hidden></p>
    <div class="viewer-body">
      <div class="viewer-panels"></div>
      <aside class="viewer-side">
        <section class="viewer-marks" hidden></section>
        <label class="viewer-segmentation">${clinical ? "Reviewing" : "Segmentation"} <select name="segmentation"></select></label>
        <section class="viewer-review" aria-labelledby="viewer-review-title">
          <h2 id="viewer-review-title">Lesions <span class="muted viewer-review-progress"></span></h2>
          <div class="viewer-lesions"><table id="lesion-panel" class="table"></table></div>
          <div class="muted viewer-below-minimum"></div>
          <p class="viewer-review-status" role="status" aria-live="polite"></p>
          <p class="muted viewer-keys">${keyHelp(mode)}</p>
        </section>${clinical ? CLINICAL_TOOLS : ""}
      </aside>
    </div>
    <div class="viewer-flow-host"></div>`;
  const part = <T extends Element>(selector: string): T => root.querySelector<T>(selector)!;
  return {
    alarms: part(".viewer-alarms"),
    segmentation: part("select[name=segmentation]"),
    panels: part(".viewer-panels"),
    lesions: part("#lesion-panel"),
    reviewProgress: part(".viewer-review-progress"),
    belowMinimum: part(".viewer-below-minimum"),
    reviewStatus: part(".viewer-review-status"),
    grading: clinical ? part<HTMLElement>(".viewer-grading") : undefined,
    marks: part(".viewer-marks"),
    keys: part(".viewer-keys"),
    preprocessing: clinical
      ? {
          section: part(".viewer-preprocessing"),
          seriesSource: part("select[name=series-source]"),
          brainMask: part("input[name=brain-mask]"),
          run: part(".viewer-preprocessing-run"),
        }
      : undefined,
    flowHost: part(".viewer-flow-host"),
    message: part(".viewer-message"),
  };
}

/** The side column's tools that review the exam's clinical record: its preprocessing and the grade. */
const CLINICAL_TOOLS = `
        <section class="viewer-preprocessing" aria-label="Preprocessing" hidden>
          <div class="viewer-preprocessing-tools">
            <label>Series <select name="series-source" disabled>
              <option value="prepared">prepared</option>
              <option value="acquired">as acquired</option>
            </select></label>
            <label class="viewer-check"><input type="checkbox" name="brain-mask" disabled> Brain mask</label>
          </div>
          <div class="viewer-preprocessing-run"></div>
        </section>
        <section class="viewer-grading" aria-label="Grading"></section>`;
