import { describe, expect, it } from "vitest";
import type { Vec3 } from "../src/types/ViewerManifest";
import { drawLabelSlice } from "../src/viewer/drawLabelSlice";
import type { Grid } from "../src/viewer/geometry";
import { NEW_LESION_VALUE, PaintedLabels, REJECTED_LESION_VALUE, labelColours, lesionPaint } from "../src/viewer/labelVolume";
import { lesion } from "./viewerFixtures";

const dims: Vec3 = [6, 5, 4];
const at = (i: number, j: number, k: number): number => i + dims[0] * (j + dims[1] * k);

describe("PaintedLabels", () => {
  it("repaints exactly the lesion's component, not a neighbour reaching into its box", () => {
    const labels = new Uint8Array(6 * 5 * 4);
    // The new lesion: a diagonal, 26-connected chain filling the box (0,0,0)–(3,3,3).
    const newLesion = [at(0, 0, 0), at(1, 1, 1), at(2, 2, 2), at(3, 3, 3)];
    for (const offset of newLesion) labels[offset] = 1;
    // An old lesion reaching into that box at (3,0,0), not touching the chain.
    const oldLesion = [at(3, 0, 0), at(4, 0, 0), at(5, 0, 0)];
    for (const offset of oldLesion) labels[offset] = 2;
    const painted = new PaintedLabels(labels, dims);
    painted.paint(lesion(1, { bbox: [[0, 0, 0], [3, 3, 3]] }), "new");
    expect(newLesion.map((o) => painted.labels[o])).toEqual(Array(4).fill(NEW_LESION_VALUE));
    expect(oldLesion.map((o) => painted.labels[o])).toEqual([2, 2, 2]);
  });

  it("turns a rejected lesion green and gives it back its label values when taken back", () => {
    const labels = new Uint16Array(6 * 5 * 4);
    labels[at(3, 3, 2)] = 2;
    labels[at(3, 3, 3)] = 3;
    const painted = new PaintedLabels(labels, dims);
    const rejected = lesion(1, { bbox: [[3, 3, 2], [3, 3, 3]] });
    painted.paint(rejected, "rejected");
    expect([painted.labels[at(3, 3, 2)], painted.labels[at(3, 3, 3)]]).toEqual([REJECTED_LESION_VALUE, REJECTED_LESION_VALUE]);
    painted.paint(rejected, "label");
    expect([painted.labels[at(3, 3, 2)], painted.labels[at(3, 3, 3)]]).toEqual([2, 3]);
  });
});

describe("lesionPaint", () => {
  it("draws rejected lesions green, new ones red, others in their label colours", () => {
    expect(lesionPaint({ new: true }, "rejected")).toBe("rejected");
    expect(lesionPaint({ new: false }, "rejected")).toBe("rejected");
    expect(lesionPaint({ new: true }, "accepted")).toBe("new");
    expect(lesionPaint({ new: true })).toBe("new");
    expect(lesionPaint({ new: false }, "accepted")).toBe("label");
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
