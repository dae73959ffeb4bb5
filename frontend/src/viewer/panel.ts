import { Enums, type RenderingEngine, type Types } from "@cornerstonejs/core";
import type { SequenceName, Vec3, ViewerSeries } from "../types/ViewerManifest";
import type { PanelCamera } from "./cameraSync";
import { type Grid, sliceAxis, sliceIndex } from "./geometry";
import { type LabelLayer, LabelOverlay } from "./labelOverlay";
import type { PanelPlan } from "./panelPlan";
import type { Orientation, PanelView } from "./panelView";
import { type SeriesSource, isAcquired, seriesCaption, shownSeries } from "./seriesSource";
import type { VolumeStore } from "./volumes";
import { type WindowPreset, presetWindow, voiRange } from "./windowPresets";

const ORIENTATION_AXIS: Record<Orientation, Enums.OrientationAxis> = {
  axial: Enums.OrientationAxis.AXIAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
  coronal: Enums.OrientationAxis.CORONAL,
};

const ZOOM_STEP = 1.25;

/** One exam panel: its Cornerstone volume viewport, the series it shows, its label overlay and brain mask. */
export class Panel {
  readonly viewportId: string;
  readonly overlay: LabelOverlay;
  readonly mask: LabelOverlay;
  series: ViewerSeries;
  /** True once an image of the panel's first series has been drawn. */
  ready = false;
  private volumeId: string | undefined;
  private preset: WindowPreset = "manifest";
  private source: SeriesSource = "prepared";

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
    this.mask = new LabelOverlay(view.mask, true);
    this.mask.setVisible(false);
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

  /** True while the panel shows an original: its segmentation (on the prepared grid) is hidden. */
  get asAcquired(): boolean {
    return isAcquired(this.series);
  }

  /**
   * Show the exam's series as prepared or as acquired, where it keeps originals; segmentations
   * lie on the prepared grid, so the overlay is hidden while an original is shown.
   */
  async setSource(source: SeriesSource): Promise<void> {
    this.source = source;
    await this.showSequence(this.series.sequence);
    this.refresh();
  }

  /** The reader's overlay choice, which an original shown overrides. */
  showOverlay(visible: boolean): void {
    this.overlay.setVisible(visible && !this.asAcquired);
  }

  /** Show a series of this exam, keeping the camera when another one was already shown. */
  async showSequence(sequence: SequenceName): Promise<void> {
    const series = shownSeries(this.plan.exam, sequence, this.source);
    if (!series) return;
    const volumeId = await this.volumes.volumeId(series);
    const camera = this.volumeId ? this.viewport.getCamera() : undefined;
    await this.viewport.setVolumes([{ volumeId }], false, true);
    this.volumeId = volumeId;
    this.series = series;
    this.view.root.dataset.sequence = sequence;
    this.view.sequence.value = sequence;
    // Asked for as acquired, a sequence without an original shows prepared: say which it is.
    const acquired = this.asAcquired;
    this.view.root.dataset.source = acquired ? "acquired" : "prepared";
    this.view.acquiredBadge.hidden = !acquired;
    this.view.overlayToggle.disabled = acquired;
    this.showOverlay(this.view.overlayToggle.checked);
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
    this.view.status.textContent = `${seriesCaption(this.series)} · slice ${index} of 0–${count - 1}${registration ? ` · ${registration}` : ""}`;
  }

  setLabels(layer: LabelLayer | undefined): void {
    this.overlay.setLayer(layer);
    this.overlay.draw(this.viewport);
  }

  /** Draw both canvases over the image for the viewport's current camera. */
  drawOverlays(): void {
    this.overlay.draw(this.viewport);
    this.mask.draw(this.viewport);
  }

  scroll(delta: number): void {
    this.viewport.scroll(delta);
  }
}
