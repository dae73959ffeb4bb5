import type { Rgb } from "../types/ViewerManifest";

/** A binary mask drawn in one colour. */
export interface ColoredMask {
  mask: Uint8Array;
  color: Rgb;
}

/** What one panel shows at one stage; every plane is H×W in display orientation. */
export interface FrameLayers {
  /** I_t of the panel's channel, quantized. */
  image: Uint8Array;
  /** Gray level of each quantized value (the channel's fixed window). */
  gray: Uint8Array;
  /** J_t quantized, drawn as a heat overlay; null when the overlay is off. */
  heat: Uint8Array | null;
  /** η_t of the panel's channel, blended in its colour; null when the overlay is off. */
  bcf: ColoredMask | null;
  /** Opaque contours drawn last (γ and the reference at t = 1). */
  outlines: ColoredMask[];
}

/** Opacity of the heat colour at J = 1; it falls linearly to 0 at J = 0, so the background stays visible. */
export const HEAT_OPACITY = 0.6;
export const BCF_OPACITY = 0.45;

/** Draw one panel's layers into RGBA pixels (an ImageData's data), opaque. */
export function renderFrame(rgba: Uint8ClampedArray, { image, gray, heat, bcf, outlines }: FrameLayers): void {
  if (rgba.length !== image.length * 4) throw new Error(`renderFrame: ${rgba.length / 4} pixels for a ${image.length}-pixel frame`);
  for (let index = 0; index < image.length; index += 1) {
    const level = gray[image[index]!]!;
    let red = level;
    let green = level;
    let blue = level;
    if (heat) {
      // Red for a low J_t, yellow for a high one.
      const j = heat[index]! / 255;
      const alpha = HEAT_OPACITY * j;
      red = red * (1 - alpha) + 255 * alpha;
      green = green * (1 - alpha) + 255 * j * alpha;
      blue = blue * (1 - alpha);
    }
    if (bcf?.mask[index]) {
      red = red * (1 - BCF_OPACITY) + bcf.color[0] * BCF_OPACITY;
      green = green * (1 - BCF_OPACITY) + bcf.color[1] * BCF_OPACITY;
      blue = blue * (1 - BCF_OPACITY) + bcf.color[2] * BCF_OPACITY;
    }
    for (const outline of outlines) {
      if (outline.mask[index]) [red, green, blue] = outline.color;
    }
    const pixel = index * 4;
    rgba[pixel] = red;
    rgba[pixel + 1] = green;
    rgba[pixel + 2] = blue;
    rgba[pixel + 3] = 255;
  }
}
