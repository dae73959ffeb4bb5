import type { Vec3 } from "../../types/ViewerManifest";
import type { PixelFrame } from "../drawLabelSlice";
import { type Grid, sliceAxis } from "../geometry";

/** A mark as a panel draws it: its number and where it falls on the canvas, in pixels. */
export interface PlacedMark {
  number: number;
  x: number;
  y: number;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Half the thickness of the slices a panel steps through: how far from its plane a mark still shows. */
export function halfSliceMm(grid: Grid, normal: Vec3): number {
  return grid.spacing[sliceAxis(grid, normal)]! / 2;
}

/**
 * The marks (LPS points, numbered from 1 in list order) within `halfSliceMm` of the plane of
 * `frame` (pixel centres, one pixel per step along `right` and `down`, which are orthogonal),
 * where they fall on it.
 */
export function marksOnPlane(frame: PixelFrame, points: readonly Vec3[], halfSliceMm: number): PlacedMark[] {
  const normal = cross(frame.right, frame.down);
  const length = Math.hypot(...normal);
  const placed: PlacedMark[] = [];
  for (const [index, point] of points.entries()) {
    const offset = sub(point, frame.origin);
    // Marks are stored to 0.01 mm: the tolerance keeps one placed on a slice on it.
    if (Math.abs(dot(offset, normal) / length) > halfSliceMm + 0.01) continue;
    placed.push({
      number: index + 1,
      x: dot(offset, frame.right) / dot(frame.right, frame.right),
      y: dot(offset, frame.down) / dot(frame.down, frame.down),
    });
  }
  return placed;
}
