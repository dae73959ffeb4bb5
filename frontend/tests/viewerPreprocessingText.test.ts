import { describe, expect, it } from "vitest";
import { flagText, parametersText, rerunStart, runSummary, stepLine } from "../src/viewer/preprocessingText";
import { preprocessing } from "./viewerFixtures";

describe("preprocessing text", () => {
  it("lists a done step with its tool and seconds", () => {
    expect(stepLine({ step: "brain_extraction", tool: "deepbet", seconds: 8.1 })).toEqual({
      name: "Brain extraction",
      detail: "deepbet · 8.1 s",
      skipped: false,
    });
  });

  it("names co-registration's method and the reference it moved the sequences onto", () => {
    expect(stepLine({ step: "coregistration", method: "rigid", reference: "T1CE", seconds: 3 }).detail).toBe("rigid · onto T1CE · 3 s");
  });

  it("lists a skipped step with why", () => {
    expect(stepLine({ step: "bias_correction", skipped: "not asked for" })).toEqual({
      name: "Bias correction (N4)",
      detail: "skipped: not asked for",
      skipped: true,
    });
  });

  it("words a flag as a warning with the server's reason", () => {
    const flag = { code: "thick_slices", sequence: "FLAIR", reason: "FLAIR has 5.0 mm slices; lesion detection skips it" } as const;
    expect(flagText(flag)).toBe("Thick slices: FLAIR has 5.0 mm slices; lesion detection skips it");
  });

  it("says in the summary that a run was rejected", () => {
    const rejected = preprocessing(3, { rejection: { by: "qa", at: "2026-12-05T01:00:00Z", reason: "mask cuts the cerebellum" } });
    expect(runSummary(rejected)).toBe("Preprocessing succeeded · rejected");
  });

  it("writes parameters compactly, an empty reference as automatic", () => {
    expect(parametersText({ reference: "", brain_threshold: 0.5, bias_correction: false })).toBe(
      "reference auto · brain threshold 0.5 · bias correction off",
    );
  });

  it("starts the Run again form from the run's parameters, the defaults for what it lacks", () => {
    expect(rerunStart(7, { reference: "T1", brain_threshold: 0.3, spacing_mm: 1 })).toEqual({
      exam: 7,
      reference: "T1",
      brain_extraction: true,
      brain_threshold: 0.3,
      brain_dilate_voxels: 0,
      bias_correction: false,
    });
  });
});
