import type { ScatterData } from "plotly.js-dist-min";
import { describe, expect, it } from "vitest";
import { accTraces, stageMarker } from "../src/flow/accTraces";
import type { CohortAcc, SegmentationFlow } from "../src/types/ViewerManifest";

type Trace = Partial<ScatterData>;

const cohort: CohortAcc = {
  stages: [0, 0.5, 1],
  mean: [[0.1, 0.2, 0.3, 0.4], [0.2, 0.3, 0.4, 0.5], [0.5, 0.1, 0.2, 0.6]],
  sd: [[0.01, 0.02, 0.03, 0.04], [0.02, 0.03, 0.04, 0.05], [0.05, 0.01, 0.02, 0.06]],
  exams: 24,
};
const exam: SegmentationFlow = { stages: [0, 1], acc_mean: [[0.3, 0, 0, 0.2], [0.6, 0, 0.1, 0.7]], acc_sd: [[0, 0, 0, 0], [0, 0, 0, 0]], slices: 31, gamma_share: null, background_share: null };
const slice = {
  stages: [0, 0.5, 1],
  mu: [[0.2, null, 0, 0.1], [0.4, null, 0.1, 0.3], [0.7, null, 0.1, 0.8]],
  gamma_share: [[0.5, 0, 0.25, 1], [0.6, 0, 0.25, 1], [0.9, null, 0.5, 1]],
  background_share: [[0.1, 0.8, 0.2, 0.3], [0.1, 0.7, 0.2, 0.4], [0.05, 0.6, 0.3, 0.5]],
};
const examWithShares: SegmentationFlow = {
  ...exam,
  gamma_share: [[0.4, 0, 0.2, 0.9], [0.8, 0, 0.4, 1]],
  background_share: [[0.2, 0.7, 0.1, 0.3], [0.1, 0.5, 0.2, 0.4]],
};

describe("accTraces", () => {
  it("draws per sequence the cohort band as mean − SD, then mean + SD filled down to it", () => {
    const traces = accTraces({ ...slice, exam, cohort }) as Trace[];
    const [lower, upper] = traces.filter((trace) => trace.legendgroup === "FLAIR");
    expect(lower!.x).toEqual([0, 0.5, 1]);
    [0.09, 0.18, 0.45].forEach((value, index) => expect(lower!.y![index]).toBeCloseTo(value, 12));
    [0.11, 0.22, 0.55].forEach((value, index) => expect(upper!.y![index]).toBeCloseTo(value, 12));
    expect([lower!.fill, upper!.fill]).toEqual([undefined, "tonexty"]);
    expect(traces.indexOf(upper!)).toBe(traces.indexOf(lower!) + 1);
  });

  it("adds the exam's curve dashed and the slice's μ solid, one legend entry per sequence", () => {
    const traces = accTraces({ ...slice, exam, cohort }) as Trace[];
    expect(traces).toHaveLength(16);
    const t2 = traces.filter((trace) => trace.legendgroup === "T2");
    expect(t2.map((trace) => trace.name)).toEqual(["T2 cohort mean − SD", "T2 cohort mean + SD", "T2 exam", "T2"]);
    expect(t2[2]!.y).toEqual([0.2, 0.7]);
    expect(t2[2]!.line!.dash).toBe("dash");
    expect(t2[3]!.y).toEqual([0.1, 0.3, 0.8]);
    expect(traces.filter((trace) => trace.showlegend !== false).map((trace) => trace.name)).toEqual(["FLAIR", "T1", "T1CE", "T2"]);
    // Undefined μ (|η ∪ γ| = 0) is a gap, not a zero.
    expect(traces.find((trace) => trace.name === "T1")!.y).toEqual([null, null, null]);
  });

  it("leaves out what the manifest lacks, and marks the shown stage", () => {
    expect((accTraces({ ...slice, exam: null, cohort: null }) as Trace[]).map((trace) => trace.name)).toEqual(["FLAIR", "T1", "T1CE", "T2"]);
    expect(stageMarker(0.4)).toMatchObject({ type: "line", x0: 0.4, x1: 0.4, yref: "paper", y0: 0, y1: 1 });
  });

  it("plots a share's slice and exam rows in place of μ, without the cohort's ACC band", () => {
    for (const measure of ["gamma_share", "background_share"] as const) {
      const traces = accTraces({ ...slice, exam: examWithShares, cohort }, measure) as Trace[];
      expect(traces).toHaveLength(8);
      const t1 = traces.filter((trace) => trace.legendgroup === "T1");
      expect(t1.map((trace) => trace.name)).toEqual(["T1 exam", "T1"]);
      expect(t1[0]!.y).toEqual(examWithShares[measure]!.map((row) => row[1]));
      expect(t1[1]!.y).toEqual(slice[measure].map((row) => row[1]));
    }
  });

  it("leaves out the exam's share where its curves were stored before the shares", () => {
    const traces = accTraces({ ...slice, exam, cohort: null }, "gamma_share") as Trace[];
    expect(traces.map((trace) => trace.name)).toEqual(["FLAIR", "T1", "T1CE", "T2"]);
  });
});
