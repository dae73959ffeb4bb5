import type { SequenceName } from "../types/ViewerManifest";
import type { Panel } from "./panel";
import type { PanelSync } from "./panelSync";
import type { Orientation } from "./panelView";
import type { WindowPreset } from "./windowPresets";

/** Wire a panel's own controls: sequence, orientation, window, zoom, overlay and opacity. */
export function wirePanelControls(panel: Panel, sync: PanelSync, onError: (error: unknown) => void): void {
  const { view } = panel;
  view.sequence.addEventListener("change", () => {
    view.sequence.disabled = true;
    panel
      .showSequence(view.sequence.value as SequenceName)
      .catch(onError)
      .finally(() => (view.sequence.disabled = false));
  });
  view.orientation.addEventListener("change", () => {
    // The orientation change resets the panel's camera: not a move to carry to the others.
    sync.silently(() => panel.setOrientation(view.orientation.value as Orientation));
    sync.join(panel);
  });
  view.window.addEventListener("change", () => panel.applyWindow(view.window.value as WindowPreset));
  view.zoomIn.addEventListener("click", () => panel.zoom(true));
  view.zoomOut.addEventListener("click", () => panel.zoom(false));
  view.overlayToggle.addEventListener("change", () => panel.showOverlay(view.overlayToggle.checked));
  view.opacity.addEventListener("input", () => panel.overlay.setOpacity(Number(view.opacity.value)));
}
