import { Enums, type RenderingEngine, type Types } from "@cornerstonejs/core";
import type { SequenceName, Vec3, ViewerSeries } from "../types/ViewerManifest";
import type { PanelCamera } from "./cameraSync";
import { type Grid, sliceAxis, sliceIndex } from "./geometry";
import { type LabelLayer, LabelOverlay } from "./labelOverlay";
import type { PanelPlan } from "./panelPlan";
import type { Orientation, PanelView } from "./panelView";
import type { VolumeStore } from "./volumes";
import { type WindowPreset, presetWindow, voiRange } from "./windowPresets";

const ORIENTATION_AXIS: Record<Orientation, Enums.OrientationAxis> = {
  axial: Enums.OrientationAxis.AXIAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
  coronal: Enums.OrientationAxis.CORONAL,
};

const ZOOM_STEP = 1.25;

/** One exam panel: its Cornerstone volume viewport, the series it shows and its label overlay. */
export class Panel {
  readonly viewportId: string;
  readonly overlay: LabelOverlay;
  series: ViewerSeries;
  /** True once an image of the panel's first series has been drawn. */
  ready = false;
  private volumeId: string | undefined;
  private preset: WindowPreset = "manifest";

  constructor(
    readonly plan: PanelPlan,
    readonly view: PanelView,
    private readonly engine: RenderingEngine,
    private readonly volumes: VolumeStore,
  ) {
    this.viewportId = `exam-${plan.exam.id}`;
    this.series = plan.initial;
    this.overlay = new LabelOverlay(view.overlay);
    this.overlay.setOpacity(Number(view.opacity.value));
  }

  get viewport(): Types.IVolumeViewport {
    return this.engine.getViewport(this.viewportId) as Types.IVolumeViewport;
  }

  /** The grid slices and indices are counted in: the shown series'. */
  get grid(): Grid {
    return this.series;
  }

  get orientation(): Orientation {
    return this.view.root.dataset.orientation as Orientation;
  }

  /** Show a series of this exam, keeping the camera when another one was already shown. */
  async showSequence(sequence: SequenceName): Promise<void> {
    const series = this.plan.exam.series.find((s) => s.sequence === sequence);
    if (!series) return;
    const volumeId = await this.volumes.volumeId(series);
    const camera = this.volumeId ? this.viewport.getCamera() : undefined;
    await this.viewport.setVolumes([{ volumeId }], false, true);
    this.volumeId = volumeId;
    this.series = series;
    this.view.root.dataset.sequence = sequence;
    this.view.sequence.value = sequence;
    if (camera) this.viewport.setCamera(camera);
    this.applyWindow(this.preset, true);
    this.viewport.render();
  }

  /** Apply a window preset; suppressed, it does not reach the other panels. */
  applyWindow(preset: WindowPreset, suppressEvents = false): void {
    this.preset = preset;
    this.view.window.value = preset;
    this.viewport.setProperties({ voiRange: voiRange(presetWindow(this.series.window, preset)) }, this.volumeId, suppressEvents);
    // setProperties does not draw: a preset picked in the panel must show at once.
    if (!suppressEvents) this.viewport.render();
  }

  setOrientation(orientation: Orientation): void {
    this.view.root.dataset.orientation = orientation;
    this.view.orientation.value = orientation;
    this.viewport.setOrientation(ORIENTATION_AXIS[orientation]);
  }

  zoom(zoomIn: boolean): void {
    const camera = this.viewport.getCamera();
    this.viewport.setCamera({ parallelScale: (camera.parallelScale ?? 1) / (zoomIn ? ZOOM_STEP : 1 / ZOOM_STEP) });
    this.viewport.render();
  }

  camera(): PanelCamera {
    const { focalPoint, position, viewPlaneNormal, viewUp, parallelScale } = this.viewport.getCamera();
    return {
      focalPoint: focalPoint as Vec3,
      position: position as Vec3,
      viewPlaneNormal: viewPlaneNormal as Vec3,
      viewUp: viewUp as Vec3,
      parallelScale: parallelScale ?? 1,
    };
  }

  setCamera(camera: PanelCamera): void {
    this.viewport.setCamera(camera);
    this.viewport.render();
  }

  /** Voxel index along the axis the panel slices through, and that axis' length. */
  slice(): { index: number; count: number } {
    const { focalPoint, viewPlaneNormal } = this.camera();
    const axis = sliceAxis(this.grid, viewPlaneNormal);
    return { index: sliceIndex(this.grid, focalPoint, axis), count: this.grid.dimensions[axis] };
  }

  /** Reflect the camera in the page hooks and the status line. */
  refresh(): void {
    const { index, count } = this.slice();
    this.view.root.dataset.slice = String(index);
    const registration = this.view.status.dataset.registration;
    // 0-based like data-slice and the flow player, so the numbers agree everywhere.
    this.view.status.textContent = `${this.series.sequence} · slice ${index} of 0–${count - 1}${registration ? ` · ${registration}` : ""}`;
  }

  setLabels(layer: LabelLayer | undefined): void {
    this.overlay.setLayer(layer);
    this.overlay.draw(this.viewport);
  }

  scroll(delta: number): void {
    this.viewport.scroll(delta);
  }
}
