import { describe, expect, it } from "vitest";
import { seriesCaption, shownSeries } from "../src/viewer/seriesSource";
import { acquiredSeries, exam, series } from "./viewerFixtures";

const clinical = exam(1, "current", {
  series: [series("FLAIR", 11), series("T2", 12)],
  acquired_series: [acquiredSeries("FLAIR", 101)],
});

describe("series source", () => {
  it("shows the original of a sequence when asked for as acquired", () => {
    expect(shownSeries(clinical, "FLAIR", "acquired")?.id).toBe(101);
  });

  it("shows the prepared series when asked for as prepared", () => {
    expect(shownSeries(clinical, "FLAIR", "prepared")?.id).toBe(11);
  });

  it("falls back to the prepared series of a sequence the exam keeps no original of", () => {
    expect(shownSeries(clinical, "T2", "acquired")?.id).toBe(12);
  });

  it("names an original plainly, with its description and slice thickness", () => {
    expect(seriesCaption(acquiredSeries("T2", 5))).toBe("T2 as acquired (AX T2, 5 mm slices)");
  });

  it("names a prepared series by its sequence only", () => {
    expect(seriesCaption(series("FLAIR"))).toBe("FLAIR");
  });
});
