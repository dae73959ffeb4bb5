import { describe, expect, it, vi } from "vitest";
import { keepAnswer, markRules, marksJson, parseMarks } from "../src/viewer/marks/marksAnswer";
import { MarkList } from "../src/viewer/marks/marksModel";

const dataset = (attributes: Record<string, string>): DOMStringMap => {
  const element = document.createElement("div");
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element.dataset;
};

describe("markRules", () => {
  it("reads the most marks and the labels from the root's attributes", () => {
    expect(markRules(dataset({ "data-marks-max": "3", "data-marks-labels": '["new", "enlarging"]' }))).toEqual({ max: 3, labels: ["new", "enlarging"] });
  });

  it("allows any number of unlabelled marks without them", () => {
    expect(markRules(dataset({}))).toEqual({ labels: [] });
  });

  it("names a bad attribute and its value", () => {
    expect(() => markRules(dataset({ "data-marks-max": "0" }))).toThrow('data-marks-max: "0" is not a whole number of at least 1');
    expect(() => markRules(dataset({ "data-marks-labels": "new" }))).toThrow("data-marks-labels: new is not valid JSON");
    expect(() => markRules(dataset({ "data-marks-labels": "[1]" }))).toThrow("data-marks-labels: [1] is not a JSON list of texts");
  });
});

describe("the answer's JSON", () => {
  it("writes position_mm, and label only where a mark has one", () => {
    const text = marksJson([{ positionMm: [1, -2, 3.5] }, { positionMm: [4, 5, 6], label: "new" }]);
    expect(JSON.parse(text)).toEqual([{ position_mm: [1, -2, 3.5] }, { position_mm: [4, 5, 6], label: "new" }]);
  });

  it("reads back what it writes", () => {
    const marks = [{ positionMm: [1, -2, 3.5] as [number, number, number], label: "new" }, { positionMm: [0, 0, 0] as [number, number, number] }];
    expect(parseMarks(marksJson(marks))).toEqual(marks);
  });

  it("reads an empty list as no marks, and an empty text as none yet", () => {
    expect(parseMarks("[]")).toEqual([]);
    expect(parseMarks("  ")).toEqual([]);
  });

  it("names what it cannot read", () => {
    expect(() => parseMarks("[{")).toThrow("lesion marks: [{ is not valid JSON");
    expect(() => parseMarks('{"position_mm": [1, 2, 3]}')).toThrow("is not a JSON list");
    expect(() => parseMarks('[{"position_mm": [1, 2]}]')).toThrow("mark 1: position_mm [1,2] is not [x, y, z] in millimetres");
    expect(() => parseMarks('[{"position_mm": [1, 2, 3], "label": 4}]')).toThrow("mark 1: label 4 is not a text");
  });
});

describe("keepAnswer", () => {
  it("shows the marks the input holds at load", () => {
    const input = document.createElement("textarea");
    input.value = '[{"position_mm": [1, 2, 3], "label": "new"}]';
    const list = new MarkList({ labels: ["new"] });
    keepAnswer(list, input);
    expect(list.marks).toEqual([{ positionMm: [1, 2, 3], label: "new" }]);
  });

  it("turns an empty input into the empty list: no marks is the answer none", () => {
    const input = document.createElement("input");
    keepAnswer(new MarkList({ labels: [] }), input);
    expect(JSON.parse(input.value)).toEqual([]);
  });

  it("keeps the input's value the marks' JSON, firing input and change as typing would", () => {
    const input = document.createElement("input");
    const fired = vi.fn();
    input.addEventListener("input", () => fired("input"));
    input.addEventListener("change", () => fired("change"));
    const list = new MarkList({ labels: [] });
    keepAnswer(list, input);
    list.add([-10, 20, 30]);
    expect(parseMarks(input.value)).toEqual(list.marks);
    expect(fired.mock.calls).toEqual([["input"], ["change"]]);
    list.remove(0);
    expect(JSON.parse(input.value)).toEqual([]);
  });

  it("refuses a held answer it cannot read, leaving the input as it was", () => {
    const input = document.createElement("textarea");
    input.value = "not json";
    expect(() => keepAnswer(new MarkList({ labels: [] }), input)).toThrow("not valid JSON");
    expect(input.value).toBe("not json");
  });
});
