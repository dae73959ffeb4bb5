/**
 * Keep only the rim of what is painted in `image`: a painted pixel stays when one of its eight
 * neighbours (or the image's edge) is transparent, so a mask reads as its outline and the
 * anatomy under it stays visible.
 */
export function keepOutline(image: ImageData): void {
  const { width, height, data } = image;
  const painted = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < width && y < height && data[(y * width + x) * 4 + 3]! > 0;
  const interior: number[] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (!painted(x, y)) continue;
      let inside = true;
      for (let dy = -1; dy <= 1 && inside; dy++) for (let dx = -1; dx <= 1 && inside; dx++) inside = painted(x + dx, y + dy);
      if (inside) interior.push((y * width + x) * 4);
    }
  for (const pixel of interior) data.fill(0, pixel, pixel + 4);
}
