import { describe, expect, it } from "vitest";
import { keepOutline } from "../src/viewer/maskOutline";

/** A width × height image with the pixels `painted` says opaque white. */
function image(width: number, height: number, painted: (x: number, y: number) => boolean): ImageData {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (painted(x, y)) data.fill(255, (y * width + x) * 4, (y * width + x) * 4 + 4);
  return { width, height, data, colorSpace: "srgb" } as ImageData;
}

const opaque = (picture: ImageData): string[] =>
  Array.from({ length: picture.height }, (_, y) =>
    Array.from({ length: picture.width }, (_, x) => (picture.data[(y * picture.width + x) * 4 + 3]! > 0 ? "#" : ".")).join(""),
  );

describe("mask outline", () => {
  it("keeps the rim of a filled square and clears its inside", () => {
    const square = image(7, 7, (x, y) => x >= 1 && x <= 5 && y >= 1 && y <= 5);
    keepOutline(square);
    expect(opaque(square)).toEqual([".......", ".#####.", ".#...#.", ".#...#.", ".#...#.", ".#####.", "......."]);
  });

  it("keeps a region cut by the image's edge outlined along the edge", () => {
    const full = image(3, 3, () => true);
    keepOutline(full);
    expect(opaque(full)).toEqual(["###", "#.#", "###"]);
  });
});
