// Exam viewer: the current exam beside its priors, synchronized, with overlays, lesions, alarms and the flow player.
import { fetchManifest } from "../viewer/fetchManifest";
import { collectPageErrors } from "../viewer/pageHooks";
import { planPanels } from "../viewer/panelPlan";
import { VoxelDownloads } from "../viewer/voxelDownloads";

const root = document.querySelector<HTMLElement>("#viewer[data-manifest-url]");
if (root) {
  collectPageErrors();
  // The manifest and the first series download while the browser loads and compiles
  // Cornerstone; the first image waits on whichever is slower, not on both in turn.
  const downloads = new VoxelDownloads();
  const manifest = fetchManifest(root);
  manifest
    .then((loaded) => {
      const first = planPanels(loaded)[0];
      if (first) return downloads.get(first.initial);
    })
    .catch(() => undefined); // mountViewer reports the failure
  void import("../viewer").then(({ mountViewer }) => mountViewer(root, manifest, downloads));
}
