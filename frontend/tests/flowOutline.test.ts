import { expect, it } from "vitest";
import { outlineOf } from "../src/flow/outline";

const grid = (rows: string[]): Uint8Array => Uint8Array.from(rows.join("").split(""), (cell) => (cell === "#" ? 1 : 0));

it("outlines γ by its set pixels that touch an unset pixel or the image border", () => {
  const mask = grid([
    "......",
    ".####.",
    ".####.",
    ".####.",
    "....##",
  ]);
  expect(outlineOf(mask, 6)).toEqual(grid([
    "......",
    ".####.",
    ".#..#.",
    ".####.",
    "....##",
  ]));
});
