/** A display window [lo, hi] in image values: lo is black, hi is white. */
export type GrayWindow = [lo: number, hi: number];

/** The image value of a quantized I_t sample: lo + q/255·(hi − lo). */
export function dequantize(q: number, [lo, hi]: readonly [number, number]): number {
  return lo + (q / 255) * (hi - lo);
}

/**
 * The window of one channel, from the 0.5 and 99.5 percentiles of its t = 0 image (as the
 * exam viewer does). It stays fixed over all stages, so that a change of I_t over the stages
 * shows as a change of brightness instead of being normalized away.
 */
export function stageZeroWindow(stageZero: Uint8Array, range: readonly [number, number]): GrayWindow {
  const histogram = new Uint32Array(256);
  for (const q of stageZero) histogram[q]! += 1;
  const lowQ = quantile(histogram, stageZero.length, 0.005);
  const highQ = quantile(histogram, stageZero.length, 0.995);
  // A uniform t = 0 image has no contrast to keep: fall back to the full range of the flow.
  if (lowQ === highQ) return [range[0], range[1]];
  return [dequantize(lowQ, range), dequantize(highQ, range)];
}

/** Gray level (0–255) of each of the 256 quantized values of a channel, for one window. */
export function grayLookup(range: readonly [number, number], [lo, hi]: GrayWindow): Uint8Array {
  const lookup = new Uint8Array(256);
  const width = hi - lo;
  for (let q = 0; q < 256; q += 1) {
    const value = dequantize(q, range);
    lookup[q] = width > 0 ? Math.round(Math.min(1, Math.max(0, (value - lo) / width)) * 255) : value >= hi ? 255 : 0;
  }
  return lookup;
}

function quantile(histogram: Uint32Array, count: number, fraction: number): number {
  const rank = fraction * (count - 1);
  let seen = 0;
  for (let q = 0; q < 256; q += 1) {
    seen += histogram[q]!;
    if (seen > rank) return q;
  }
  return 255;
}
