import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/net/apiJson";
import { AlarmHeader } from "../src/viewer/alarmHeader";
import type { Alarm, AlarmVerdict, CaseAlarmState, ExamAlarmLine } from "../src/viewer/alarms";
import type { ViewerMode } from "../src/viewer/viewerOptions";

const alarm = (id: number, exam: number, overrides: Partial<Alarm> = {}): Alarm => ({
  id,
  patient: "NR-1",
  exam,
  segmentation: 3,
  kind: "unreliable",
  kind_display: "Unreliable output",
  severity: 2,
  reason: `reason ${id}`,
  evidence: { dice: 0.41, members: ["a", "b"] },
  rules_version: null,
  threshold_set: 1,
  raised_at: "2025-03-01T10:00:00Z",
  cleared_at: null,
  verdict: null,
  ...overrides,
});

const line = (exam: number, risk: number, summary: string, overrides: Partial<ExamAlarmLine> = {}): ExamAlarmLine => ({
  exam,
  risk_score: risk,
  severity: Math.floor(risk / 100),
  open: risk % 100,
  dismissed: 0,
  kinds: [],
  summary,
  ...overrides,
});

const verdict = (id: number, trueAlarm: boolean): AlarmVerdict => ({
  id,
  alarm: 7,
  reader: 2,
  reader_name: "dr. r",
  true_alarm: trueAlarm,
  comment: "",
  supersedes: null,
  created_at: "2025-03-02T08:00:00Z",
});

const exams = [
  { id: 12, role: "current" as const, date: "2025-03-01" },
  { id: 11, role: "prior" as const, date: "2024-09-01" },
];

function header(state: CaseAlarmState, mode: ViewerMode = "review") {
  document.body.innerHTML = "<section></section>";
  const root = document.querySelector("section")!;
  const api = { state: vi.fn(async () => state), judge: vi.fn(async (_alarm: number, trueAlarm: boolean) => verdict(40, trueAlarm)) };
  const alarms = new AlarmHeader(root, "NR-1", exams, api, mode);
  alarms.update(state);
  return { root, api, alarms };
}

const state = (alarms: Alarm[], lines: ExamAlarmLine[]): CaseAlarmState => ({
  alarms,
  exams: lines,
  risk_score: {},
  patient_risk_score: Math.max(0, ...lines.map((l) => l.risk_score)),
});

const lineTexts = (root: HTMLElement) => [...root.querySelectorAll(".viewer-alarm-line")].map((button) => button.textContent);

describe("AlarmHeader", () => {
  beforeEach(() => vi.restoreAllMocks());

  it("shows one line per shown exam with open alarms, the riskiest first", () => {
    const { root } = header(
      state(
        [alarm(1, 12), alarm(2, 11, { kind: "growth", severity: 3 })],
        [line(12, 202, "Unreliable output ×2"), line(11, 301, "Growth"), line(10, 0, ""), line(99, 401, "Haemorrhage expansion")],
      ),
    );
    expect(lineTexts(root)).toEqual(["risk 301Prior 2024-09-01Growth", "risk 202Current 2025-03-01Unreliable output ×2"]);
  });

  it("says how many alarms of an exam readers judged false", () => {
    const { root } = header(state([alarm(1, 12)], [line(12, 0, "", { severity: 0, open: 1, dismissed: 1 })]));
    expect(lineTexts(root)).toEqual(["risk 0Current 2025-03-011 judged false"]);
  });

  it("keeps the list closed until a line is clicked, then shows every alarm with its evidence", () => {
    const alarms = Array.from({ length: 10 }, (_, n) => alarm(n + 1, 12));
    const { root } = header(state(alarms, [line(12, 210, "Unreliable output ×10")]));
    const popover = root.querySelector<HTMLElement>(".viewer-alarm-popover")!;
    expect(popover.hidden).toBe(true);
    expect(root.querySelectorAll(".viewer-alarm-line")).toHaveLength(1);
    root.querySelector<HTMLButtonElement>(".viewer-alarm-line")!.click();
    expect(popover.hidden).toBe(false);
    expect(root.querySelector(".viewer-alarm-line")!.getAttribute("aria-expanded")).toBe("true");
    const items = root.querySelectorAll("#viewer-alarms li[data-alarm-id]");
    expect(items).toHaveLength(10);
    expect([...items[0]!.querySelectorAll("details dd")].map((dd) => dd.textContent)).toEqual(["0.41", '["a","b"]']);
  });

  it("puts the list away on a click elsewhere", () => {
    const { root, alarms } = header(state([alarm(1, 12)], [line(12, 201, "Unreliable output")]));
    alarms.show();
    root.querySelector("li[data-alarm-id]")!.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(alarms.open).toBe(true);
    document.body.append(document.createElement("canvas"));
    document.querySelector("canvas")!.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(alarms.open).toBe(false);
  });

  it("records a false alarm over the latest verdict the reader saw, and shows it", async () => {
    const { root, api, alarms } = header(state([alarm(7, 12, { verdict: verdict(30, true) })], [line(12, 201, "Unreliable output")]));
    alarms.show(12);
    root.querySelector<HTMLButtonElement>("li[data-alarm-id='7'] button[data-true-alarm=false]")!.click();
    await vi.waitFor(() => expect(root.querySelector("li[data-alarm-id='7']")!.getAttribute("data-verdict")).toBe("false"));
    expect(api.judge).toHaveBeenCalledWith(7, false, 30);
    expect(root.querySelector("li[data-alarm-id='7'] button[aria-pressed=true]")!.textContent).toBe("False alarm");
    expect(root.querySelector("li[data-alarm-id='7'] .viewer-alarm-verdict")!.textContent).toMatch(/false alarm by dr\. r/);
  });

  it("on a verdict someone gave meanwhile says so and shows the alarms as they are now", async () => {
    const { root, api, alarms } = header(state([alarm(7, 12)], [line(12, 201, "Unreliable output")]));
    api.judge.mockRejectedValueOnce(new ApiError(409, { detail: "someone judged this alarm meanwhile" }));
    api.state.mockResolvedValueOnce(state([alarm(7, 12, { verdict: verdict(31, true) })], [line(12, 201, "Unreliable output")]));
    alarms.show();
    root.querySelector<HTMLButtonElement>("li[data-alarm-id='7'] button[data-true-alarm=false]")!.click();
    await vi.waitFor(() => expect(root.querySelector("li[data-alarm-id='7']")!.getAttribute("data-verdict")).toBe("true"));
    expect(root.querySelector(".viewer-alarms-status")!.textContent).toMatch(/someone judged this alarm meanwhile/);
  });

  it("in a study reading shows the alarms and their verdicts read-only, with no verdict button", () => {
    const judged = alarm(7, 12, { verdict: verdict(30, true) });
    const { root, alarms } = header(state([judged, alarm(8, 12)], [line(12, 202, "Unreliable output ×2")]), "study-reading");
    alarms.show(12);
    expect(root.querySelectorAll("#viewer-alarms li[data-alarm-id]")).toHaveLength(2);
    expect(root.querySelector("li[data-alarm-id='7'] .viewer-alarm-verdict")!.textContent).toMatch(/true alarm by dr\. r/);
    expect(root.querySelectorAll("#viewer-alarms button")).toHaveLength(0);
  });

  it("says so when no alarm is open", () => {
    const { root, alarms } = header(state([alarm(9, 12)], [line(12, 201, "Unreliable output")]));
    alarms.update(state([], [line(12, 0, "", { open: 0 })]));
    expect(root.querySelector(".viewer-alarm-lines")!.textContent).toBe("No open alarms");
    expect(root.querySelectorAll("#viewer-alarms li[data-alarm-id]")).toHaveLength(0);
  });

  it("in a study reading says nothing when no alarm is shown, as alarms may be withheld", () => {
    const { root, alarms } = header(state([alarm(9, 12)], [line(12, 201, "Unreliable output")]), "study-reading");
    alarms.update(state([], [line(12, 0, "", { open: 0 })]));
    expect(root.querySelector(".viewer-alarm-lines")!.textContent).toBe("");
  });
});
