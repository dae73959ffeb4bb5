import type { ViewerSegmentation, VoxelVolume } from "../types/ViewerManifest";
import type { LabelLayer } from "./labelOverlay";
import { labelColours, paintNewLesions } from "./labelVolume";
import { fetchVoxels } from "./voxels";

/** Segmentation label maps, each fetched once, with new lesions repainted red. */
export class LabelStore {
  private readonly layers = new Map<number, Promise<LabelLayer>>();

  /** The drawable label map of a segmentation, which lies on the grid of its exam's series. */
  layer(segmentation: ViewerSegmentation, grid: VoxelVolume): Promise<LabelLayer> {
    let pending = this.layers.get(segmentation.id);
    if (!pending) {
      pending = fetchVoxels(segmentation.url, segmentation.dtype, grid.dimensions).then((voxels) => ({
        labels: paintNewLesions(voxels, grid.dimensions, segmentation.lesions),
        grid,
        colours: labelColours(segmentation.labels),
      }));
      this.layers.set(segmentation.id, pending);
    }
    return pending;
  }
}
