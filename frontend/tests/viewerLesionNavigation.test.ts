import { describe, expect, it } from "vitest";
import { orderLesions, stepLesion } from "../src/viewer/lesionNavigation";
import { lesion } from "./viewerFixtures";

describe("lesion navigation", () => {
  it("reads new lesions first, then the largest", () => {
    const lesions = [
      lesion(1, { volume_ml: 5 }),
      lesion(2, { volume_ml: 0.5, new: true }),
      lesion(3, { volume_ml: 9 }),
      lesion(4, { volume_ml: 2, new: true }),
    ];
    expect(orderLesions(lesions).map((l) => l.id)).toEqual([4, 2, 3, 1]);
  });

  it("wraps around in both directions and starts at either end", () => {
    expect(stepLesion(-1, 1, 3)).toBe(0);
    expect(stepLesion(-1, -1, 3)).toBe(2);
    expect(stepLesion(2, 1, 3)).toBe(0);
    expect(stepLesion(0, -1, 3)).toBe(2);
    expect(stepLesion(-1, 1, 0)).toBe(-1);
  });
});
