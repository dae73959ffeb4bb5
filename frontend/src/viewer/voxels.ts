import type { VoxelDtype } from "../types/ViewerManifest";

export type VoxelArray = Int16Array | Uint16Array | Uint8Array | Float32Array;

const ARRAY_TYPES = {
  int16: Int16Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
  float32: Float32Array,
} as const;

/**
 * View raw little-endian voxel bytes as the manifest's dtype.
 *
 * Typed arrays use the platform's byte order, which is little-endian on every browser
 * platform NeuroReview targets, so no copy is needed.
 */
export function voxelArray(buffer: ArrayBuffer, dtype: VoxelDtype, voxelCount: number): VoxelArray {
  const Type = ARRAY_TYPES[dtype];
  if (buffer.byteLength !== voxelCount * Type.BYTES_PER_ELEMENT) {
    throw new Error(`NeuroReview: ${buffer.byteLength} bytes do not hold ${voxelCount} ${dtype} voxels`);
  }
  return new Type(buffer);
}

/** Fetch a voxel endpoint (the browser undoes the gzip and honours the immutable cache). */
export async function fetchVoxels(
  url: string,
  dtype: VoxelDtype,
  dimensions: readonly number[],
  fetcher: typeof fetch = fetch,
): Promise<VoxelArray> {
  const response = await fetcher(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`NeuroReview: ${url} answered ${response.status}`);
  const count = dimensions.reduce((a, b) => a * b, 1);
  return voxelArray(await response.arrayBuffer(), dtype, count);
}
