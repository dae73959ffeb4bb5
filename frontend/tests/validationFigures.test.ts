import { describe, expect, it } from "vitest";
import { diceFigure, qualityPcaFigure, reliabilityFigure, robustnessFigure } from "../src/validation/figures";
import type { EvaluationResults } from "../src/validation/figures";

const results: EvaluationResults = {
  cases: [
    { case: "NR-A/0", tumour_group: "GBM", site: "unknown", scanner: "Siemens Prisma", dice: 0.81 },
    { case: "NR-A/1", tumour_group: "LGG", site: "unknown", scanner: "GE Signa", dice: 0.64 },
  ],
  calibration: {
    reliability: [
      { lower: 0, upper: 0.5, count: 900, confidence: 0.1, accuracy: 0.05 },
      { lower: 0.5, upper: 1, count: 0, confidence: null, accuracy: null },
    ],
  },
  data_quality: {
    pca: {
      explained_variance_ratio: [0.62, 0.21],
      points: [
        { case: "NR-A/0", site: "Siemens Prisma", pc1: 1, pc2: 0 },
        { case: "NR-A/1", site: "GE Signa", pc1: -1, pc2: 0.5 },
      ],
    },
  },
};

describe("validation figures", () => {
  it("draws one Dice bar per case", () => {
    const [bars] = diceFigure(results).data as { x: string[]; y: number[] }[];
    expect(bars!.x).toEqual(["NR-A/0", "NR-A/1"]);
    expect(bars!.y).toEqual([0.81, 0.64]);
  });

  it("leaves empty bins out of the reliability curve", () => {
    const [, curve] = reliabilityFigure(results).data as { x: number[]; y: number[] }[];
    expect(curve!.x).toEqual([0.1]);
    expect(curve!.y).toEqual([0.05]);
  });

  it("names each case's strata in the hover of its Dice bar", () => {
    const [bars] = diceFigure(results).data as { customdata: string[][] }[];
    expect(bars!.customdata).toEqual([
      ["GBM", "unknown", "Siemens Prisma"],
      ["LGG", "unknown", "GE Signa"],
    ]);
  });

  it("colours the PCA by scanner and names the explained variance on the axes", () => {
    const figure = qualityPcaFigure(results)!;
    expect(figure.data.map((trace) => (trace as { name: string }).name)).toEqual(["Siemens Prisma", "GE Signa"]);
    expect(figure.layout.xaxis?.title).toEqual({ text: "PC1 (62 %)" });
    expect(figure.layout.title).toEqual({ text: "Quality features by scanner (PCA)" });
  });

  it("titles the PCA by site where the dataset records sites", () => {
    const bySite = { ...results, data_quality: { ...results.data_quality, pca_labels: "site" as const } };
    expect(qualityPcaFigure(bySite)!.layout.title).toEqual({ text: "Quality features by site (PCA)" });
  });

  it("has no PCA chart when there were too few cases", () => {
    expect(qualityPcaFigure({ ...results, data_quality: { pca: null, pca_note: "too few" } })).toBeNull();
  });
});

describe("robustness figure", () => {
  it("draws the mean Dice per epsilon over its interval band", () => {
    const rows = [
      { epsilon: 0, summary: { dice: { mean: 0.8, low: 0.7, high: 0.9 } } },
      { epsilon: 1, summary: { dice: { mean: 0.1, low: 0.05, high: 0.2 } } },
    ];
    const [band, line] = robustnessFigure(rows).data as { x: number[]; y: number[] }[];
    expect(line!.x).toEqual([0, 1]);
    expect(line!.y).toEqual([0.8, 0.1]);
    expect(band!.y).toEqual([0.9, 0.2, 0.05, 0.7]);
  });
});
