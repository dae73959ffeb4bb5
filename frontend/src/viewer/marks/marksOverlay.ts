import type { Types } from "@cornerstonejs/core";
import type { Vec3 } from "../../types/ViewerManifest";
import { clearedCanvas, pixelFrame } from "../overlayCanvas";
import { marksOnPlane } from "./marksOnPlane";

/** Marks in a colour neither label maps nor review markers (cyan) use, ringed dark for bright images. */
const MARK_COLOUR = "#ffd400";
const EDGE_COLOUR = "rgba(0, 0, 0, 0.8)";
const RADIUS_PX = 7;

/**
 * A panel's lesion marks: a numbered ring on a canvas of its own over the image, so that
 * neither the overlay toggle nor its opacity hides the reader's answer.
 */
export class MarksOverlay {
  private readonly canvas: HTMLCanvasElement;

  constructor(stage: HTMLElement) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "viewer-overlay viewer-marks-layer";
    stage.append(this.canvas);
  }

  /** Redraw the marks (LPS points, in list order) within `halfSliceMm` of the viewport's plane. */
  draw(viewport: Pick<Types.IViewport, "canvasToWorld">, points: readonly Vec3[], halfSliceMm: number): void {
    const context = clearedCanvas(this.canvas);
    if (!context || points.length === 0) return;
    context.font = "bold 12px system-ui, sans-serif";
    context.textBaseline = "bottom";
    for (const { number, x, y } of marksOnPlane(pixelFrame(viewport), points, halfSliceMm)) {
      const cx = x + 0.5;
      const cy = y + 0.5;
      for (const [colour, width] of [[EDGE_COLOUR, 4], [MARK_COLOUR, 2]] as const) {
        context.strokeStyle = colour;
        context.lineWidth = width;
        context.beginPath();
        context.arc(cx, cy, RADIUS_PX, 0, 2 * Math.PI);
        context.stroke();
      }
      context.strokeStyle = EDGE_COLOUR;
      context.lineWidth = 3;
      context.strokeText(String(number), cx + RADIUS_PX, cy - RADIUS_PX);
      context.fillStyle = MARK_COLOUR;
      context.fillText(String(number), cx + RADIUS_PX, cy - RADIUS_PX);
    }
  }
}
