import { describe, expect, it } from "vitest";
import { dequantize, grayLookup, stageZeroWindow } from "../src/flow/grayWindow";

describe("de-quantization and the fixed gray window", () => {
  it("maps q to lo + q/255·(hi − lo) of the channel's image range", () => {
    expect(dequantize(0, [-1, 3])).toBe(-1);
    expect(dequantize(255, [-1, 3])).toBe(3);
    expect(dequantize(51, [-1, 3])).toBeCloseTo(-0.2, 12);
  });

  it("takes the window from the 0.5 and 99.5 percentiles of the t = 0 image, in image values", () => {
    // 1000 pixels: four outliers at each end (under 0.5 %) must not widen the window.
    const stageZero = new Uint8Array(1000).fill(100);
    stageZero.fill(0, 0, 4).fill(50, 4, 500).fill(255, 996);
    const [lo, hi] = stageZeroWindow(stageZero, [0, 2.55]);
    expect(lo).toBeCloseTo(0.5, 12);
    expect(hi).toBeCloseTo(1, 12);
  });

  it("falls back to the whole image range when t = 0 is uniform", () => {
    expect(stageZeroWindow(new Uint8Array(10).fill(7), [-1, 1])).toEqual([-1, 1]);
  });

  it("grays each quantized value through the window, clipping outside it", () => {
    const lookup = grayLookup([0, 2.55], [0.5, 1]);
    expect([lookup[0], lookup[50], lookup[75], lookup[100], lookup[255]]).toEqual([0, 0, 128, 255, 255]);
  });
});
