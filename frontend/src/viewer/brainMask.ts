import type { BrainMask } from "../types/ViewerManifest";
import type { LabelLayer } from "./labelOverlay";
import { fetchVoxels } from "./voxels";

/** Magenta: a colour no label map and no lesion marker uses. */
const MASK_COLOUR = [255, 0, 255, 255];

/** The colour table of a brain mask: 1 (brain) in the mask colour, 0 transparent. */
export function maskColours(): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  lut.set(MASK_COLOUR, 4);
  return lut;
}

/** Preprocessing runs' brain masks, each fetched once (only when a reader asks to see one). */
export class BrainMaskStore {
  private readonly layers = new Map<string, Promise<LabelLayer>>();

  layer(mask: BrainMask): Promise<LabelLayer> {
    let pending = this.layers.get(mask.url);
    if (!pending) {
      pending = fetchVoxels(mask.url, mask.dtype, mask.dimensions).then((voxels) => ({
        labels: Uint8Array.from(voxels, (v) => (v > 0 ? 1 : 0)),
        grid: mask,
        colours: maskColours(),
      }));
      this.layers.set(mask.url, pending);
    }
    return pending;
  }
}
