import type { ViewerSeries } from "../types/ViewerManifest";
import { type VoxelArray, fetchVoxels } from "./voxels";

/**
 * Voxel downloads by content-hash URL, each started once. Free of Cornerstone, so the
 * page can ask for the first series while the viewer's code is still loading.
 */
export class VoxelDownloads {
  private readonly downloads = new Map<string, Promise<VoxelArray>>();

  get(series: ViewerSeries): Promise<VoxelArray> {
    let pending = this.downloads.get(series.url);
    if (!pending) {
      pending = fetchVoxels(series.url, series.dtype, series.dimensions);
      this.downloads.set(series.url, pending);
    }
    return pending;
  }
}
