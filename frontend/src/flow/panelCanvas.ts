import { renderFrame } from "./renderFrame";
import type { FrameLayers } from "./renderFrame";

export interface PanelCanvas {
  /** Render a `width` × `height` frame and show it. */
  draw(layers: FrameLayers, width: number, height: number): void;
  destroy(): void;
}

/**
 * One flow panel. A frame is rendered at its own size into an offscreen canvas, then
 * scaled onto the visible canvas, whose pixel size follows its CSS size times the device
 * pixel ratio, without smoothing: voxels stay crisp squares at any zoom. The frame keeps
 * its aspect ratio inside the canvas box (letterboxed on black).
 */
export function panelCanvas(canvas: HTMLCanvasElement): PanelCanvas {
  const frame = document.createElement("canvas");
  const frameContext = context(frame);
  const screen = context(canvas);
  let pixels: ImageData | undefined;

  const present = (): void => {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
    screen.imageSmoothingEnabled = false;
    screen.fillStyle = "#000";
    screen.fillRect(0, 0, width, height);
    if (!pixels) return;
    const scale = Math.min(width / frame.width, height / frame.height);
    const [drawnWidth, drawnHeight] = [frame.width * scale, frame.height * scale];
    screen.drawImage(frame, (width - drawnWidth) / 2, (height - drawnHeight) / 2, drawnWidth, drawnHeight);
  };
  const resizes = new ResizeObserver(present);
  resizes.observe(canvas);

  return {
    draw(layers, width, height) {
      if (pixels?.width !== width || pixels.height !== height) {
        [frame.width, frame.height] = [width, height];
        pixels = frameContext.createImageData(width, height);
        canvas.style.aspectRatio = `${width} / ${height}`;
      }
      renderFrame(pixels.data, layers);
      frameContext.putImageData(pixels, 0, 0);
      present();
    },
    destroy() {
      resizes.disconnect();
    },
  };
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const found = canvas.getContext("2d");
  if (!found) throw new Error("NeuroReview: this browser cannot draw on a 2D canvas");
  return found;
}
