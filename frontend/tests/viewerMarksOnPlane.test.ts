import { describe, expect, it } from "vitest";
import type { Vec3 } from "../src/types/ViewerManifest";
import { indexToWorld, lpsToRas, rasToLps } from "../src/viewer/geometry";
import { halfSliceMm, marksOnPlane } from "../src/viewer/marks/marksOnPlane";
import { acquiredSeries, series } from "./viewerFixtures";

// An axial plane at z = 10 (LPS), 0.5 mm per pixel, pixel (0, 0) at (−20, −20).
const frame = { origin: [-20, -20, 10] as Vec3, right: [0.5, 0, 0] as Vec3, down: [0, 0.5, 0] as Vec3 };

describe("marksOnPlane", () => {
  it("places a mark on the plane at its pixel, numbered by its place in the list", () => {
    const [placed] = marksOnPlane(frame, [[0, 5, 10]], 0.5);
    expect(placed!.number).toBe(1);
    expect(placed!.x).toBeCloseTo(40);
    expect(placed!.y).toBeCloseTo(50);
  });

  it("shows marks within half a slice of the plane and no further", () => {
    const placed = marksOnPlane(frame, [[0, 0, 12], [0, 0, 10.5], [0, 0, 9.6], [0, 0, 9.4]], 0.5);
    expect(placed.map((mark) => mark.number)).toEqual([2, 3]);
  });
});

describe("halfSliceMm", () => {
  it("is half the spacing along the axis a panel steps through", () => {
    const original = acquiredSeries("FLAIR"); // 0.9 × 0.9 × 5 mm
    expect(halfSliceMm(original, [0, 0, 1])).toBe(2.5);
    expect(halfSliceMm(original, [1, 0, 0])).toBe(0.45);
  });
});

describe("marks' coordinates", () => {
  it("are the scanner's RAS millimetres: the viewer's LPS world with x and y negated", () => {
    // The fixture's NIfTI affine puts voxel (0, 0, 0) at RAS (−98, −134, −72).
    const corner = indexToWorld(series("FLAIR"), [0, 0, 0]);
    expect(lpsToRas(corner)).toEqual([-98, -134, -72]);
    expect(rasToLps([-98, -134, -72])).toEqual(corner);
  });
});
