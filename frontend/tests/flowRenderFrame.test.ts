import { describe, expect, it } from "vitest";
import { renderFrame } from "../src/flow/renderFrame";
import type { FrameLayers } from "../src/flow/renderFrame";

// A 2 × 2 frame whose gray lookup doubles q: levels 0, 20, 40, 60.
const base: FrameLayers = {
  image: Uint8Array.from([0, 10, 20, 30]),
  gray: Uint8Array.from({ length: 256 }, (_, q) => Math.min(255, 2 * q)),
  heat: null,
  bcf: null,
  outlines: [],
};

function pixels(layers: FrameLayers): number[][] {
  const image = new ImageData(2, 2);
  renderFrame(image.data, layers);
  return [0, 1, 2, 3].map((pixel) => [...image.data.subarray(pixel * 4, pixel * 4 + 4)]);
}

describe("renderFrame", () => {
  it("draws I_t through the gray lookup, opaque", () => {
    expect(pixels(base)).toEqual([[0, 0, 0, 255], [20, 20, 20, 255], [40, 40, 40, 255], [60, 60, 60, 255]]);
  });

  it("blends J_t as heat, then the BCF colour, then draws outlines opaque", () => {
    expect(pixels({
      ...base,
      // J = 0, 1, 0.2, 0: transparent, yellow at opacity 0.6, red-orange at 0.12.
      heat: Uint8Array.from([0, 255, 51, 0]),
      bcf: { mask: Uint8Array.from([0, 0, 0, 1]), color: [255, 127, 14] },
      outlines: [{ mask: Uint8Array.from([1, 0, 0, 0]), color: [255, 0, 255] }],
    })).toEqual([
      [255, 0, 255, 255],
      [161, 161, 8, 255], // 20·0.4 + 255·0.6, 20·0.4 + 255·0.6, 20·0.4
      [66, 41, 35, 255], // 40·0.88 + 255·0.12, 40·0.88 + 51·0.12, 40·0.88
      [148, 90, 39, 255], // 60·0.55 + (255, 127, 14)·0.45
    ]);
  });

  it("refuses a pixel buffer of another size", () => {
    expect(() => renderFrame(new Uint8ClampedArray(12), base)).toThrow(/3 pixels for a 4-pixel frame/);
  });
});
