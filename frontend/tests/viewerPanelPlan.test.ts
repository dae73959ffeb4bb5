import { describe, expect, it } from "vitest";
import { flowSegmentation, matchingSegmentation, planPanels, reviewOrder } from "../src/viewer/panelPlan";
import { isNode } from "../src/viewer/panelView";
import { exam, manifest, segmentation, series } from "./viewerFixtures";

describe("planPanels", () => {
  it("opens every exam on FLAIR, current first, priors in the manifest's order", () => {
    const plans = planPanels(manifest([exam(3, "current"), exam(2, "prior"), exam(1, "prior")]));
    expect(plans.map((p) => [p.exam.id, p.initial.sequence])).toEqual([
      [3, "FLAIR"],
      [2, "FLAIR"],
      [1, "FLAIR"],
    ]);
  });

  it("falls back to the first series when an exam has no FLAIR and skips exams without images", () => {
    const plans = planPanels(
      manifest([exam(3, "current", { series: [series("T2", 31)] }), exam(2, "prior", { series: [] })]),
    );
    expect(plans.map((p) => [p.exam.id, p.initial.sequence])).toEqual([[3, "T2"]]);
  });
});

describe("matchingSegmentation", () => {
  it("gives a prior its own segmentation of the picked source, or none", () => {
    const picked = segmentation(30);
    const prior = exam(2, "prior", {
      segmentations: [segmentation(20, { source: "reference", kind: "", name: "Reference" }), segmentation(21)],
    });
    expect(matchingSegmentation(prior, picked)?.id).toBe(21);
    expect(matchingSegmentation(exam(1, "prior"), picked)).toBeUndefined();
  });

  it("prefers the same model version over another version of the same kind and target", () => {
    const prior = exam(2, "prior", {
      segmentations: [segmentation(20, { name: "NODE WT 0.9" }), segmentation(21, { name: "NODE WT 1.0" })],
    });
    expect(matchingSegmentation(prior, segmentation(30, { name: "NODE WT 1.0" }))?.id).toBe(21);
    expect(matchingSegmentation(prior, segmentation(31, { name: "NODE WT 2.0" }))?.id).toBe(20);
  });
});

describe("reviewOrder", () => {
  it("offers the AI results to review first, a composite's parts last", () => {
    const part = segmentation(2, { part_of: 4, target: "ET" });
    const reference = segmentation(3, { source: "reference", kind: "", target: "" });
    const composite = segmentation(4, { source: "composite", kind: "node", target: "", parts: [2, 5] });
    const standalone = segmentation(6, { kind: "subtraction", target: "" });
    expect(reviewOrder([part, reference, composite, standalone]).map((s) => s.id)).toEqual([4, 6, 3, 2]);
  });
});

describe("flowSegmentation", () => {
  it("plays a composite's WT part, and a NODE map's own flow", () => {
    const et = segmentation(2, { part_of: 4, target: "ET" });
    const wt = segmentation(5, { part_of: 4, target: "WT" });
    const composite = segmentation(4, { source: "composite", kind: "node", target: "", parts: [2, 5] });
    expect(flowSegmentation(composite, [composite, et, wt], isNode)?.id).toBe(5);
    expect(flowSegmentation(et, [composite, et, wt], isNode)?.id).toBe(2);
  });
});
