import { Enums, type Types } from "@cornerstonejs/core";
import { followCamera } from "./cameraSync";
import type { Panel } from "./panel";
import { transferVoi } from "./windowPresets";

/**
 * Keep the panels together in the shared LPS world: a camera change (slice, pan, zoom) or
 * a window/level change in one panel is carried to every other ready panel. Cornerstone's
 * own synchronizers copy whole cameras and raw VOI numbers, which breaks panels in other
 * orientations and exams with other intensity scales, hence this small one.
 */
export class PanelSync {
  /** Set while the sync itself moves panels, so their events are not carried back. */
  private applying = false;

  constructor(
    private readonly panels: readonly Panel[],
    private readonly onCameraChange: (panel: Panel) => void,
  ) {
    for (const panel of panels) {
      panel.view.viewport.addEventListener(Enums.Events.CAMERA_MODIFIED, () => this.cameraMoved(panel));
      panel.view.viewport.addEventListener(Enums.Events.VOI_MODIFIED, (event) =>
        this.voiChanged(panel, (event as CustomEvent<Types.EventTypes.VoiModifiedEventDetail>).detail),
      );
    }
  }

  /** Let a panel that just became ready take the camera of the panels already shown. */
  join(panel: Panel): void {
    const leader = this.panels.find((other) => other !== panel && other.ready);
    if (leader) this.silently(() => panel.setCamera(followCamera(leader.camera(), panel.camera())));
    this.onCameraChange(panel);
  }

  /** Move several panels at once (lesion jumps) without carrying each move to the others. */
  silently(move: () => void): void {
    this.applying = true;
    try {
      move();
    } finally {
      this.applying = false;
    }
    for (const panel of this.panels) if (panel.ready) this.onCameraChange(panel);
  }

  private cameraMoved(source: Panel): void {
    if (this.applying || !source.ready) return;
    const camera = source.camera();
    this.silently(() => {
      for (const target of this.panels) {
        if (target !== source && target.ready) target.setCamera(followCamera(camera, target.camera()));
      }
    });
  }

  private voiChanged(source: Panel, detail: Types.EventTypes.VoiModifiedEventDetail): void {
    if (this.applying || !source.ready || !detail.range) return;
    const from = source.series.window;
    this.applying = true;
    try {
      for (const target of this.panels) {
        if (target === source || !target.ready) continue;
        target.viewport.setProperties({ voiRange: transferVoi(detail.range, from, target.series.window) });
        target.viewport.render();
      }
    } finally {
      this.applying = false;
    }
  }
}
