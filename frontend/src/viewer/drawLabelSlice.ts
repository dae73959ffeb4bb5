import type { Vec3 } from "../types/ViewerManifest";
import { type Grid, worldToIndex } from "./geometry";

/** Where the pixel centres of an overlay image lie in the LPS world: pixel (x, y) is at origin + x·right + y·down. */
export interface PixelFrame {
  origin: Vec3;
  right: Vec3;
  down: Vec3;
}

/**
 * Paint the label map's slice under each pixel (nearest voxel) into `image`, through the
 * colour table; pixels outside the grid or on label 0 stay transparent. The frame is
 * affine, so the voxel index is stepped, not recomputed, along each row.
 */
export function drawLabelSlice(
  image: ImageData,
  labels: Uint8Array,
  grid: Grid,
  frame: PixelFrame,
  colours: Uint8ClampedArray,
): void {
  const at = worldToIndex(grid, frame.origin);
  const base = worldToIndex(grid, [0, 0, 0]);
  const di = worldToIndex(grid, frame.right).map((v, a) => v - base[a]!);
  const dj = worldToIndex(grid, frame.down).map((v, a) => v - base[a]!);
  const [nx, ny, nz] = grid.dimensions;
  const { width, height, data } = image;
  data.fill(0);
  for (let y = 0; y < height; y++) {
    let i = at[0] + y * dj[0]!;
    let j = at[1] + y * dj[1]!;
    let k = at[2] + y * dj[2]!;
    for (let x = 0; x < width; x++, i += di[0]!, j += di[1]!, k += di[2]!) {
      const vi = Math.round(i);
      const vj = Math.round(j);
      const vk = Math.round(k);
      if (vi < 0 || vj < 0 || vk < 0 || vi >= nx || vj >= ny || vk >= nz) continue;
      const value = labels[vi + nx * (vj + ny * vk)]!;
      if (value === 0) continue;
      const colour = value * 4;
      const pixel = (y * width + x) * 4;
      data[pixel] = colours[colour]!;
      data[pixel + 1] = colours[colour + 1]!;
      data[pixel + 2] = colours[colour + 2]!;
      data[pixel + 3] = colours[colour + 3]!;
    }
  }
}
