import type { Vec3, VoxelVolume } from "../types/ViewerManifest";

/** The voxel grid of a volume in Cornerstone's LPS world. */
export type Grid = Pick<VoxelVolume, "dimensions" | "spacing" | "origin" | "direction">;

/** The unit LPS vector of grid axis 0 (i), 1 (j) or 2 (k). */
function axis(grid: Grid, a: number): Vec3 {
  const d = grid.direction;
  return [d[3 * a]!, d[3 * a + 1]!, d[3 * a + 2]!];
}

const dot = (u: Vec3, v: Vec3): number => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];

/** Continuous voxel index (i, j, k) of an LPS point; the direction is orthonormal, so its inverse is its transpose. */
export function worldToIndex(grid: Grid, world: Vec3): Vec3 {
  const offset: Vec3 = [world[0] - grid.origin[0], world[1] - grid.origin[1], world[2] - grid.origin[2]];
  return [0, 1, 2].map((a) => dot(axis(grid, a), offset) / grid.spacing[a]!) as Vec3;
}

/** LPS position of a (possibly fractional) voxel index. */
export function indexToWorld(grid: Grid, index: Vec3): Vec3 {
  const world: Vec3 = [...grid.origin];
  for (let a = 0; a < 3; a++) {
    const u = axis(grid, a);
    const step = index[a]! * grid.spacing[a]!;
    for (let c = 0; c < 3; c++) world[c] = world[c]! + u[c]! * step;
  }
  return world;
}

/** The grid axis most parallel to a view-plane normal: the axis a panel steps through when it scrolls. */
export function sliceAxis(grid: Grid, normal: Vec3): 0 | 1 | 2 {
  const alignment = [0, 1, 2].map((a) => Math.abs(dot(axis(grid, a), normal)));
  const best = alignment.indexOf(Math.max(...alignment));
  return best as 0 | 1 | 2;
}

/** The nearest whole voxel index along `gridAxis` at an LPS point, clamped into the grid. */
export function sliceIndex(grid: Grid, world: Vec3, gridAxis: 0 | 1 | 2): number {
  const k = Math.round(worldToIndex(grid, world)[gridAxis]);
  return Math.min(Math.max(k, 0), grid.dimensions[gridAxis] - 1);
}

/**
 * Between the viewer's LPS world and the RAS scanner millimetres the server stores points in
 * (lesion centroids, added lesions): the same flip of x and y both ways.
 */
export const lpsToRas = ([x, y, z]: Vec3): Vec3 => [-x + 0, -y + 0, z];
export const rasToLps = lpsToRas;
