import type { Rgb, SegmentationLabel, Vec3, ViewerLesion } from "../types/ViewerManifest";
import type { Decision } from "./gradingApi";
import type { VoxelArray } from "./voxels";

/** The values repainted lesions carry; real labels are small (BraTS ≤ 4). */
export const NEW_LESION_VALUE = 255;
export const REJECTED_LESION_VALUE = 254;
/** The MS CAD paper's convention: new lesions red, false positives green. */
const NEW_LESION_COLOUR: Rgb = [255, 0, 0];
const REJECTED_LESION_COLOUR: Rgb = [0, 200, 0];

/** How a lesion is drawn: in its own label colours, red (new since the priors) or green (rejected). */
export type LesionPaint = "label" | "new" | "rejected";

const PAINT_VALUE: Record<Exclude<LesionPaint, "label">, number> = { new: NEW_LESION_VALUE, rejected: REJECTED_LESION_VALUE };

/** A rejected lesion turns green; a new one stays red whatever else was decided. */
export function lesionPaint(lesion: Pick<ViewerLesion, "new">, decision?: Decision): LesionPaint {
  if (decision === "rejected") return "rejected";
  return lesion.new ? "new" : "label";
}

/** RGBA per label value (0 stays transparent), with new lesions red and rejected ones green. */
export function labelColours(labels: readonly SegmentationLabel[]): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  const paint = (value: number, [r, g, b]: Rgb): void => lut.set([r, g, b, 255], value * 4);
  for (const label of labels) if (label.value > 0 && label.value < REJECTED_LESION_VALUE) paint(label.value, label.color);
  paint(NEW_LESION_VALUE, NEW_LESION_COLOUR);
  paint(REJECTED_LESION_VALUE, REJECTED_LESION_COLOUR);
  return lut;
}

/**
 * A label map as uint8 whose lesions can be repainted and given back their labels:
 * `labels` is what the overlay draws.
 *
 * A lesion is a 26-connected component of the foreground; the manifest gives its
 * inclusive voxel bounding box. The component lies wholly inside its box, so it is found
 * (once, when first repainted) by flood fill within the box: the largest component there
 * whose own box is the box.
 */
export class PaintedLabels {
  readonly labels: Uint8Array;
  private readonly original: Uint8Array;
  private readonly components = new Map<number, number[]>();

  constructor(
    voxels: VoxelArray,
    private readonly dimensions: Vec3,
  ) {
    this.original = Uint8Array.from(voxels, (v) => Math.min(v, REJECTED_LESION_VALUE - 1));
    this.labels = this.original.slice();
  }

  paint(lesion: Pick<ViewerLesion, "id" | "bbox">, paint: LesionPaint): void {
    let voxels = this.components.get(lesion.id);
    if (!voxels && paint === "label") return; // never repainted: it has its labels
    if (!voxels) {
      voxels = componentFillingBox(this.original, this.dimensions, lesion.bbox);
      this.components.set(lesion.id, voxels);
    }
    for (const offset of voxels) this.labels[offset] = paint === "label" ? this.original[offset]! : PAINT_VALUE[paint];
  }
}

function componentFillingBox(labels: Uint8Array, [nx, ny]: Vec3, [lo, hi]: [Vec3, Vec3]): number[] {
  const seen = new Set<number>();
  const offset = (i: number, j: number, k: number): number => i + nx * (j + ny * k);
  let best: number[] = [];
  for (let k = lo[2]; k <= hi[2]; k++)
    for (let j = lo[1]; j <= hi[1]; j++)
      for (let i = lo[0]; i <= hi[0]; i++) {
        const start = offset(i, j, k);
        if (labels[start] === 0 || seen.has(start)) continue;
        const component = floodFill([i, j, k], labels, lo, hi, offset, seen);
        if (component.fillsBox && component.voxels.length > best.length) best = component.voxels;
      }
  return best;
}

function floodFill(
  start: Vec3,
  labels: Uint8Array,
  lo: Vec3,
  hi: Vec3,
  offset: (i: number, j: number, k: number) => number,
  seen: Set<number>,
): { voxels: number[]; fillsBox: boolean } {
  const voxels: number[] = [];
  const min: Vec3 = [...start];
  const max: Vec3 = [...start];
  const stack: Vec3[] = [start];
  seen.add(offset(...start));
  while (stack.length > 0) {
    const voxel = stack.pop()!;
    voxels.push(offset(...voxel));
    for (let a = 0; a < 3; a++) {
      min[a] = Math.min(min[a]!, voxel[a]!);
      max[a] = Math.max(max[a]!, voxel[a]!);
    }
    for (let dk = -1; dk <= 1; dk++)
      for (let dj = -1; dj <= 1; dj++)
        for (let di = -1; di <= 1; di++) {
          const next: Vec3 = [voxel[0] + di, voxel[1] + dj, voxel[2] + dk];
          if (next.some((v, a) => v < lo[a]! || v > hi[a]!)) continue;
          const at = offset(...next);
          if (labels[at] === 0 || seen.has(at)) continue;
          seen.add(at);
          stack.push(next);
        }
  }
  const fillsBox = min.every((v, a) => v === lo[a]) && max.every((v, a) => v === hi[a]);
  return { voxels, fillsBox };
}
