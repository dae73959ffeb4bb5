import type { Types } from "@cornerstonejs/core";
import { drawLabelSlice } from "./drawLabelSlice";
import type { Grid } from "./geometry";
import { type LesionMarker, markerRings } from "./lesionMarkers";
import { keepOutline } from "./maskOutline";
import { clearedCanvas, pixelFrame } from "./overlayCanvas";

/** Lesions readers added: rings in a colour no label map uses. */
const MARKER_COLOUR = "#00e5ff";

/** A label map ready to draw: repainted voxels, their grid and the colour table. */
export interface LabelLayer {
  labels: Uint8Array;
  grid: Grid;
  colours: Uint8ClampedArray;
}

/**
 * The segmentation drawn on a 2D canvas over a panel's viewport, resampled from the label
 * volume at the viewport's current plane after each render. Drawing it ourselves keeps the
 * colours (new lesions red) exact and does not depend on labelmap actors in WebGL.
 */
export class LabelOverlay {
  private layer: LabelLayer | undefined;
  private markers: readonly LesionMarker[] = [];
  private visible = true;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** Draw only each region's rim (a brain mask), not its fill. */
    private readonly outline = false,
  ) {}

  setLayer(layer: LabelLayer | undefined): void {
    this.layer = layer;
  }

  /** Rings around the lesions readers added, drawn where the shown plane cuts them. */
  setMarkers(markers: readonly LesionMarker[]): void {
    this.markers = markers;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.canvas.hidden = !visible;
  }

  setOpacity(opacity: number): void {
    this.canvas.style.opacity = String(opacity);
  }

  /** Redraw for the viewport's current camera, at CSS-pixel resolution. */
  draw(viewport: Pick<Types.IViewport, "canvasToWorld">): void {
    const context = clearedCanvas(this.canvas);
    if (!context || !this.visible || (!this.layer && this.markers.length === 0)) return;
    const frame = pixelFrame(viewport);
    if (this.layer) {
      const image = context.createImageData(this.canvas.width, this.canvas.height);
      drawLabelSlice(image, this.layer.labels, this.layer.grid, frame, this.layer.colours);
      if (this.outline) keepOutline(image);
      context.putImageData(image, 0, 0);
    }
    context.strokeStyle = MARKER_COLOUR;
    context.lineWidth = 2;
    for (const ring of markerRings(frame, this.markers)) {
      context.beginPath();
      context.arc(ring.x + 0.5, ring.y + 0.5, ring.radius, 0, 2 * Math.PI);
      context.stroke();
    }
  }
}
