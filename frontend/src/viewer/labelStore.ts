import type { ViewerSegmentation, VoxelVolume } from "../types/ViewerManifest";
import type { LabelLayer } from "./labelOverlay";
import { PaintedLabels, labelColours, lesionPaint } from "./labelVolume";
import { fetchVoxels } from "./voxels";

/** A label map to draw, whose lesions the review repaints. */
export interface LesionLayer extends LabelLayer {
  painted: PaintedLabels;
}

/** Segmentation label maps, each fetched once, with new lesions repainted red. */
export class LabelStore {
  private readonly layers = new Map<number, Promise<LesionLayer>>();

  /** The drawable label map of a segmentation, which lies on the grid of its exam's series. */
  layer(segmentation: ViewerSegmentation, grid: VoxelVolume): Promise<LesionLayer> {
    let pending = this.layers.get(segmentation.id);
    if (!pending) {
      pending = fetchVoxels(segmentation.url, segmentation.dtype, grid.dimensions).then((voxels) => {
        const painted = new PaintedLabels(voxels, grid.dimensions);
        for (const lesion of segmentation.lesions) if (lesion.new) painted.paint(lesion, lesionPaint(lesion));
        return { labels: painted.labels, grid, colours: labelColours(segmentation.labels), painted };
      });
      this.layers.set(segmentation.id, pending);
    }
    return pending;
  }
}
