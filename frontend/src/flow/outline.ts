/**
 * The outline of a 0/1 mask of `width` columns: the set pixels with a 4-neighbour that is
 * unset or outside the image, so a contour drawn from it is one pixel wide and closed.
 */
export function outlineOf(mask: Uint8Array, width: number): Uint8Array {
  const height = mask.length / width;
  const outline = new Uint8Array(mask.length);
  for (let row = 0; row < height; row += 1) {
    for (let column = 0; column < width; column += 1) {
      const index = row * width + column;
      if (!mask[index]) continue;
      const inside =
        row > 0 && row < height - 1 && column > 0 && column < width - 1 &&
        mask[index - width] && mask[index + width] && mask[index - 1] && mask[index + 1];
      if (!inside) outline[index] = 1;
    }
  }
  return outline;
}
