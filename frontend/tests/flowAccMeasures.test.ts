import { describe, expect, it } from "vitest";
import { ACC_MEASURES, examRows, missingExamNote } from "../src/flow/accMeasures";
import type { SegmentationFlow } from "../src/types/ViewerManifest";

const stored: SegmentationFlow = {
  stages: [0, 1],
  acc_mean: [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]],
  acc_sd: [[0, 0, 0, 0], [0, 0, 0, 0]],
  slices: 3,
  gamma_share: [[0.9, 0.1, 0, 0], [1, 0, 0, 0]],
  background_share: [[0.2, 0.3, 0.4, 0.5], [0.1, 0.2, 0.3, 0.4]],
};
const older: SegmentationFlow = { ...stored, gamma_share: null, background_share: null };

describe("ACC measures", () => {
  it("say in their captions which curve the paper plotted", () => {
    expect(ACC_MEASURES.acc.caption).toMatch(/the paper plotted/);
    expect(ACC_MEASURES.gamma_share.caption).toMatch(/not plotted in the paper/);
    expect(ACC_MEASURES.background_share.caption).toMatch(/Not plotted in the paper/);
  });

  it("take the exam's rows of the measure: eq. 6's mean for the ACC, else the stored share", () => {
    expect(examRows(stored, "acc")).toBe(stored.acc_mean);
    expect(examRows(stored, "gamma_share")).toBe(stored.gamma_share);
    expect(examRows(stored, "background_share")).toBe(stored.background_share);
    expect(examRows(null, "acc")).toBeNull();
  });

  it("note that curves stored before the shares need a re-run, and only then", () => {
    expect(missingExamNote(older, "gamma_share")).toMatch(/re-run/);
    expect(missingExamNote(older, "acc")).toBe("");
    expect(missingExamNote(stored, "background_share")).toBe("");
    expect(missingExamNote(null, "gamma_share")).toBe("");
  });
});
