import { describe, expect, it } from "vitest";
import { indexToWorld, sliceAxis, sliceIndex, worldToIndex } from "../src/viewer/geometry";
import type { Grid } from "../src/viewer/geometry";
import { series } from "./viewerFixtures";

const lps = series("FLAIR");

describe("geometry", () => {
  it("puts voxel (0, 0, 0) at the origin and steps along the flipped LPS axes", () => {
    expect(indexToWorld(lps, [0, 0, 0])).toEqual([98, 134, -72]);
    expect(indexToWorld(lps, [10, 20, 30])).toEqual([88, 114, -42]);
  });

  it("inverts index to world, spacing and an oblique direction included", () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const oblique: Grid = {
      dimensions: [100, 120, 80],
      spacing: [0.9, 1.1, 2],
      origin: [5, -7, 12],
      direction: [c, s, 0, -s, c, 0, 0, 0, 1],
    };
    const index = worldToIndex(oblique, indexToWorld(oblique, [12.5, 40, 7]));
    index.forEach((value, axis) => expect(value).toBeCloseTo([12.5, 40, 7][axis]!, 10));
  });

  it("slices axial views along k and sagittal views along i", () => {
    expect(sliceAxis(lps, [0, 0, -1])).toBe(2);
    expect(sliceAxis(lps, [1, 0, 0])).toBe(0);
  });

  it("rounds to the nearest voxel and clamps into the grid", () => {
    expect(sliceIndex(lps, [0, 0, -72 + 94.6], 2)).toBe(95);
    expect(sliceIndex(lps, [0, 0, 500], 2)).toBe(188);
    expect(sliceIndex(lps, [0, 0, -500], 2)).toBe(0);
  });
});
