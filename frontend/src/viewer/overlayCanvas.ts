import type { Types } from "@cornerstonejs/core";
import type { Vec3 } from "../types/ViewerManifest";
import type { PixelFrame } from "./drawLabelSlice";

/** Where the canvas pixels of a viewport's current plane lie in the LPS world. */
export function pixelFrame(viewport: Pick<Types.IViewport, "canvasToWorld">): PixelFrame {
  const origin = viewport.canvasToWorld([0.5, 0.5]) as Vec3;
  const right = viewport.canvasToWorld([1.5, 0.5]) as Vec3;
  const down = viewport.canvasToWorld([0.5, 1.5]) as Vec3;
  return { origin, right: minus(right, origin), down: minus(down, origin) };
}

/** A canvas laid over a viewport, sized to its CSS pixels and cleared; null without a 2D context. */
export function clearedCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  const width = Math.max(1, Math.round(canvas.clientWidth));
  const height = Math.max(1, Math.round(canvas.clientHeight));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext("2d");
  context?.clearRect(0, 0, width, height);
  return context;
}

const minus = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
