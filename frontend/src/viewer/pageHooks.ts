/** The timestamps and errors the browser tests and the benchmark read (viewer contract). */
export interface NeuroReviewHooks {
  manifestAt?: number;
  firstImageAt?: number;
  allPanelsAt?: number;
  flowReadyAt?: number;
  errors: string[];
}

declare global {
  interface Window {
    __neuroreview?: NeuroReviewHooks;
  }
}

/** The page's hooks object, created on first use. */
export function pageHooks(): NeuroReviewHooks {
  window.__neuroreview ??= { errors: [] };
  return window.__neuroreview;
}

/** Record a failure where the tests look for it, without a console error. */
export function reportError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  pageHooks().errors.push(message);
  return message;
}

/** Also record what escapes the viewer's own handling (uncaught errors, unhandled rejections). */
export function collectPageErrors(): void {
  window.addEventListener("error", (event) => reportError(event.error ?? event.message));
  window.addEventListener("unhandledrejection", (event) => reportError(event.reason));
}
