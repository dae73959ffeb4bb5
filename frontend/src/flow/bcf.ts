/** η_t^k of one channel k as a 0/1 mask, from a BCF plane whose bit k holds it (eq. 5). */
export function unpackBcf(plane: Uint8Array, channel: number): Uint8Array {
  const mask = new Uint8Array(plane.length);
  for (let index = 0; index < plane.length; index += 1) mask[index] = (plane[index]! >> channel) & 1;
  return mask;
}
