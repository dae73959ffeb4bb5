import { describe, expect, it } from "vitest";
import { studyFigures } from "../src/study/statisticsFigures";

describe("studyFigures", () => {
  it("draws one box per arm with each reader's reading times", () => {
    const figures = studyFigures({
      times: [
        { reader: "ana", arm: "unaided", seconds: 120 },
        { reader: "ana", arm: "ai_aided", seconds: 90 },
        { reader: "ben", arm: "unaided", seconds: 200 },
      ],
      agreement: [],
      detection: [],
    });
    expect(figures.times?.data).toMatchObject([
      { name: "Unaided", x: ["ana", "ben"], y: [120, 200] },
      { name: "AI-aided", x: ["ana"], y: [90] },
    ]);
    expect(figures.agreement).toBeUndefined();
  });

  it("draws kappa with its asymmetric confidence interval", () => {
    const figures = studyFigures({
      times: [],
      agreement: [{ question: "category", arm: "unaided", value: 0.5, ci_low: 0.2, ci_high: 0.9 }],
      detection: [],
    });
    const unaided = figures.agreement?.data[0] as { error_y: { array: number[]; arrayminus: number[] } };
    expect(unaided.error_y.array[0]).toBeCloseTo(0.4);
    expect(unaided.error_y.arrayminus[0]).toBeCloseTo(0.3);
    expect(figures.times).toBeUndefined();
  });

  it("draws each reader's sensitivity per arm", () => {
    const figures = studyFigures({
      times: [],
      agreement: [],
      detection: [
        { reader: "ana", arm: "unaided", value: 0.5, ci_low: 0.1, ci_high: 0.9 },
        { reader: "ana", arm: "ai_aided", value: 1, ci_low: 0.3, ci_high: 1 },
      ],
    });
    expect(figures.detection?.data).toMatchObject([
      { name: "Unaided", x: ["ana"], y: [0.5] },
      { name: "AI-aided", x: ["ana"], y: [1] },
    ]);
  });
});
