import { describe, expect, it } from "vitest";
import { presetWindow, transferVoi, voiRange } from "../src/viewer/windowPresets";

const flair = { center: 600, width: 1200 };

describe("window presets", () => {
  it("keeps the manifest window as is and widens or narrows it for the others", () => {
    expect(presetWindow(flair, "manifest")).toEqual(flair);
    expect(presetWindow(flair, "wide").width).toBe(2400);
    expect(presetWindow(flair, "brain").width).toBeCloseTo(720);
  });

  it("turns a window into a VOI range", () => {
    expect(voiRange(flair)).toEqual({ lower: 0, upper: 1200 });
  });

  it("carries a window/level change in units of each panel's own window", () => {
    const prior = { center: 60, width: 100 };
    expect(transferVoi({ lower: 300, upper: 900 }, flair, prior)).toEqual({ lower: 35, upper: 85 });
  });
});
