import type { BarData } from "plotly.js-dist-min";
import { describe, expect, it } from "vitest";
import { alarmFigure, axisLabel, drawDashboard, gradeFigure, lesionFigure } from "../src/dashboard";
import type { QualityDashboard, Share, VersionGrading } from "../src/dashboard/types";

type Bar = Partial<BarData>;

const share = (key: string, label: string, count: number, percent: number | null): Share => ({ key, label, count, percent });

const node: VersionGrading = {
  model_version: "Neural ODE",
  assessed: 4,
  rows: [
    share("acceptable", "ACCEPTABLE", 3, 75),
    share("unacceptable", "UNACCEPTABLE", 1, 25),
    share("ease_5", "Perfect (5)", 1, 25),
    share("ease_4", "Good (4)", 2, 50),
    share("ease_3", "Fair (3)", 0, 0),
    share("ease_2", "Poor (2)", 1, 25),
    share("ease_1", "Terrible (1)", 0, 0),
  ],
};
// graded on the four-level scale only: no EASE grade to draw
const unet: VersionGrading = {
  model_version: "U-Net",
  assessed: 1,
  rows: [share("acceptable", "ACCEPTABLE", 1, 100), share("unacceptable", "UNACCEPTABLE", 0, 0), share("four_level_3", "Acceptable with minor revision (3)", 1, 100)],
};

describe("gradeFigure", () => {
  it("stacks one bar per model version, one segment per EASE grade from Perfect to Terrible", () => {
    const { data, layout } = gradeFigure([node, unet]);
    const bars = data as Bar[];
    expect(bars.map((bar) => bar.name)).toEqual(["Perfect (5)", "Good (4)", "Fair (3)", "Poor (2)", "Terrible (1)"]);
    expect(bars[1]!.x).toEqual(["Neural ODE", "U-Net"]);
    expect(bars[1]!.y).toEqual([50, 0]);
    expect(bars[1]!.customdata).toEqual([2, 0]);
    expect(layout.barmode).toBe("stack");
  });

  it("writes each version's acceptance rate and count above its bar", () => {
    const { layout } = gradeFigure([node, unet]);
    expect(layout.annotations!.map((note) => [note.x, note.text])).toEqual([
      ["Neural ODE", "75 % acceptable (n = 4)"],
      ["U-Net", "100 % acceptable (n = 1)"],
    ]);
  });
});

describe("lesionFigure", () => {
  it("groups the acceptance rate by region with one bar per model version", () => {
    const { data } = lesionFigure([
      { model_version: "Neural ODE", label: "enhancing", accepted: 3, rejected: 1, acceptance_percent: 75 },
      { model_version: "Neural ODE", label: "oedema", accepted: 0, rejected: 2, acceptance_percent: 0 },
      { model_version: "U-Net", label: "oedema", accepted: 1, rejected: 0, acceptance_percent: 100 },
    ]);
    const bars = data as Bar[];
    expect(bars.map((bar) => bar.name)).toEqual(["Neural ODE", "U-Net"]);
    expect(bars[1]!.x).toEqual(["enhancing", "oedema"]);
    expect(bars[1]!.y).toEqual([null, 100]);
    expect(bars[0]!.customdata).toEqual([[3, 1], [0, 2]]);
  });
});

describe("drawDashboard", () => {
  it("draws only the charts whose element the page rendered", async () => {
    document.body.innerHTML = '<div data-chart="grades"></div>';
    const drawn: HTMLElement[] = [];
    const plotly = { newPlot: async (element: HTMLElement) => { drawn.push(element); return element; } };
    const dashboard: QualityDashboard = { grading: [node], lesions: [], added: [], alarms: [] };

    const names = await drawDashboard(document.body, dashboard, plotly as never);

    expect(names).toEqual(["grades"]);
    expect(drawn).toEqual([document.querySelector("[data-chart=grades]")]);
  });
});

describe("alarmFigure", () => {
  it("stacks true, false and unjudged alarms per kind and writes the true-alarm rate", () => {
    const { data, layout } = alarmFigure([
      { kind: "growth", kind_display: "Growth", raised: 5, true_alarms: 3, false_alarms: 1, unjudged: 1, true_percent: 75, false_percent: 25 },
      { kind: "unreliable", kind_display: "Unreliable output", raised: 2, true_alarms: 0, false_alarms: 0, unjudged: 2, true_percent: null, false_percent: null },
    ]);
    const bars = data as Bar[];
    expect(bars.map((bar) => [bar.name, bar.y])).toEqual([
      ["True alarms", [3, 0]],
      ["False alarms", [1, 0]],
      ["Not judged", [1, 2]],
    ]);
    expect(bars[0]!.x).toEqual(["Growth", "Unreliable<br>output"]);
    expect(layout.annotations!.map((note) => [note.x, note.y, note.text])).toEqual([
      ["Growth", 5, "75 % true"],
      ["Unreliable<br>output", 2, "not judged"],
    ]);
  });
});

describe("axisLabel", () => {
  it("puts the versions of a composite's parts on a second line", () => {
    expect(axisLabel("Neural ODE (NODE ET 1.0, NODE WT 1.0)")).toBe("Neural ODE<br>(NODE ET 1.0, NODE WT 1.0)");
    expect(axisLabel("NODE WT 1.0")).toBe("NODE WT 1.0");
  });
});
