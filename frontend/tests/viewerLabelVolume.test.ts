import { describe, expect, it } from "vitest";
import type { Vec3 } from "../src/types/ViewerManifest";
import { drawLabelSlice } from "../src/viewer/drawLabelSlice";
import type { Grid } from "../src/viewer/geometry";
import { NEW_LESION_VALUE, labelColours, paintNewLesions } from "../src/viewer/labelVolume";
import { lesion } from "./viewerFixtures";

const dims: Vec3 = [6, 5, 4];
const at = (i: number, j: number, k: number): number => i + dims[0] * (j + dims[1] * k);

describe("paintNewLesions", () => {
  it("repaints exactly the new lesion's component, not a neighbour reaching into its box", () => {
    const labels = new Uint8Array(6 * 5 * 4);
    // The new lesion: a diagonal, 26-connected chain filling the box (0,0,0)–(3,3,3).
    const newLesion = [at(0, 0, 0), at(1, 1, 1), at(2, 2, 2), at(3, 3, 3)];
    for (const offset of newLesion) labels[offset] = 1;
    // An old lesion reaching into that box at (3,0,0), not touching the chain.
    const oldLesion = [at(3, 0, 0), at(4, 0, 0), at(5, 0, 0)];
    for (const offset of oldLesion) labels[offset] = 2;
    const painted = paintNewLesions(labels, dims, [lesion(1, { new: true, bbox: [[0, 0, 0], [3, 3, 3]] })]);
    expect(newLesion.map((o) => painted[o])).toEqual(Array(4).fill(NEW_LESION_VALUE));
    expect(oldLesion.map((o) => painted[o])).toEqual([2, 2, 2]);
  });

  it("leaves old lesions and their label values alone", () => {
    const labels = new Uint16Array(6 * 5 * 4);
    labels[at(3, 3, 3)] = 2;
    const painted = paintNewLesions(labels, dims, [lesion(1, { bbox: [[3, 3, 3], [3, 3, 3]] })]);
    expect(painted[at(3, 3, 3)]).toBe(2);
    expect(painted).toBeInstanceOf(Uint8Array);
  });
});

describe("drawLabelSlice", () => {
  it("paints the slice under each pixel through the colour table, label 0 transparent", () => {
    const grid: Grid = { dimensions: [2, 2, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const labels = Uint8Array.of(0, 1, NEW_LESION_VALUE, 0);
    const image = new ImageData(2, 2);
    const colours = labelColours([{ value: 1, name: "lesion", color: [255, 140, 0] }]);
    drawLabelSlice(image, labels, grid, { origin: [0, 0, 0], right: [1, 0, 0], down: [0, 1, 0] }, colours);
    expect([...image.data]).toEqual([0, 0, 0, 0, 255, 140, 0, 255, 255, 0, 0, 255, 0, 0, 0, 0]);
  });

  it("leaves pixels outside the grid transparent", () => {
    const grid: Grid = { dimensions: [1, 1, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const image = new ImageData(3, 1);
    const colours = labelColours([{ value: 1, name: "lesion", color: [1, 2, 3] }]);
    drawLabelSlice(image, Uint8Array.of(1), grid, { origin: [-1, 0, 0], right: [1, 0, 0], down: [0, 1, 0] }, colours);
    expect([...image.data]).toEqual([0, 0, 0, 0, 1, 2, 3, 255, 0, 0, 0, 0]);
  });
});
