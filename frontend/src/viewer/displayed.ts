/** The event a page listens for to start its reading clock at "case fully displayed". */
export const DISPLAYED_EVENT = "viewer:displayed";

/**
 * Tell the page, once, that every panel shows its first image: the root gets
 * data-displayed="true" (for a page script that starts later) and dispatches
 * "viewer:displayed", whose detail.at is the moment in performance.now() milliseconds.
 */
export function announceDisplayed(root: HTMLElement, at: number): void {
  if (root.dataset.displayed === "true") return;
  root.dataset.displayed = "true";
  root.dispatchEvent(new CustomEvent(DISPLAYED_EVENT, { bubbles: true, detail: { at } }));
}
