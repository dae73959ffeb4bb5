import { describe, expect, it, vi } from "vitest";
import { MarkList } from "../src/viewer/marks/marksModel";

describe("MarkList", () => {
  it("keeps marks in the order placed, to 0.01 mm", () => {
    const list = new MarkList({ labels: [] });
    list.add([10.123456, -20.5, 0.004]);
    list.add([1, 2, 3]);
    expect(list.marks).toEqual([{ positionMm: [10.12, -20.5, 0] }, { positionMm: [1, 2, 3] }]);
  });

  it("removes a mark, and the later ones move up a place", () => {
    const list = new MarkList({ labels: [] });
    for (const x of [1, 2, 3]) list.add([x, 0, 0]);
    list.remove(0);
    expect(list.marks.map((mark) => mark.positionMm[0])).toEqual([2, 3]);
  });

  it("refuses a mark beyond the most allowed", () => {
    const list = new MarkList({ max: 2, labels: [] });
    expect([list.add([1, 0, 0]), list.add([2, 0, 0])]).toEqual([true, true]);
    expect(list.full).toBe(true);
    expect(list.add([3, 0, 0])).toBe(false);
    expect(list.marks).toHaveLength(2);
  });

  it("is never full without a most allowed", () => {
    const list = new MarkList({ labels: [] });
    for (let x = 0; x < 50; x++) list.add([x, 0, 0]);
    expect(list.full).toBe(false);
  });

  it("labels a mark with an allowed label and takes it away again", () => {
    const list = new MarkList({ labels: ["new", "enlarging"] });
    list.add([1, 2, 3]);
    list.setLabel(0, "enlarging");
    expect(list.marks[0]!.label).toBe("enlarging");
    list.setLabel(0, undefined);
    expect(list.marks[0]).not.toHaveProperty("label");
  });

  it("refuses a label the question does not offer, naming it", () => {
    const list = new MarkList({ labels: ["new"] });
    list.add([1, 2, 3]);
    expect(() => list.setLabel(0, "old")).toThrow('label: "old" is not one of new');
  });

  it("refuses a held answer with more marks or other labels than allowed", () => {
    const list = new MarkList({ max: 1, labels: ["new"] });
    expect(() => list.replace([{ positionMm: [1, 2, 3] }, { positionMm: [4, 5, 6] }])).toThrow("2 marks, more than the 1 allowed");
    expect(() => list.replace([{ positionMm: [1, 2, 3], label: "old" }])).toThrow('mark 1: label "old" is not one of new');
  });

  it("tells its listeners after every change", () => {
    const list = new MarkList({ labels: ["new"] });
    const listener = vi.fn();
    list.onChange(listener);
    list.add([1, 2, 3]);
    list.setLabel(0, "new");
    list.remove(0);
    list.replace([]);
    expect(listener).toHaveBeenCalledTimes(4);
  });

  it("names a mark that is not there", () => {
    const list = new MarkList({ labels: [] });
    expect(() => list.remove(2)).toThrow("mark 3: there are 0 marks");
  });
});
