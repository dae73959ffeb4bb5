import type { ViewerManifest } from "../types/ViewerManifest";
import { pageHooks } from "./pageHooks";

/** Fetch the viewer manifest named by `#viewer[data-manifest-url]`, stamping its arrival. */
export async function fetchManifest(root: HTMLElement): Promise<ViewerManifest> {
  const url = root.dataset.manifestUrl;
  if (!url) throw new Error("NeuroReview: #viewer has no data-manifest-url");
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`NeuroReview: the viewer manifest answered ${response.status}`);
  const manifest = (await response.json()) as ViewerManifest;
  pageHooks().manifestAt = performance.now();
  return manifest;
}
