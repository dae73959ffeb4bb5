import { describe, expect, it } from "vitest";
import { GapRecorder, merged } from "../src/study/sessionGaps";
import { IDLE_AFTER_MS } from "../src/viewer/readingClock";

const T0 = Date.parse("2026-03-02T09:00:00Z");

function recorderAt() {
  let now = T0;
  const gaps = new GapRecorder(() => now);
  return { gaps, advance: (ms: number) => (now += ms) };
}

const iso = (ms: number) => new Date(T0 + ms).toISOString();

describe("GapRecorder", () => {
  it("times the reading from the start to the send, with no gap when the reader kept working", () => {
    const { gaps, advance } = recorderAt();
    gaps.start();
    advance(30_000);
    gaps.activity();
    advance(30_000);
    expect(gaps.finish()).toEqual({ started_at: iso(0), client_now: iso(60_000), gaps: [] });
  });

  it("keeps a focus loss as a gap from the loss to the return", () => {
    const { gaps, advance } = recorderAt();
    gaps.start();
    advance(10_000);
    gaps.focusLost();
    advance(20_000);
    gaps.focusBack();
    advance(5_000);
    expect(gaps.finish().gaps).toEqual([{ kind: "focus", start: iso(10_000), end: iso(30_000) }]);
  });

  it("counts a pause as idle only after the viewer's idle limit", () => {
    const { gaps, advance } = recorderAt();
    gaps.start();
    advance(IDLE_AFTER_MS + 45_000);
    gaps.activity();
    expect(gaps.finish().gaps).toEqual([
      { kind: "idle", start: iso(IDLE_AFTER_MS), end: iso(IDLE_AFTER_MS + 45_000) },
    ]);
  });

  it("closes a focus loss still open at the send", () => {
    const { gaps, advance } = recorderAt();
    gaps.start();
    gaps.focusLost();
    advance(4_000);
    expect(gaps.finish().gaps).toEqual([{ kind: "focus", start: iso(0), end: iso(4_000) }]);
  });

  it("ignores focus and activity before the case is displayed", () => {
    const { gaps, advance } = recorderAt();
    gaps.focusLost();
    advance(IDLE_AFTER_MS * 3);
    gaps.focusBack();
    gaps.start();
    advance(1_000);
    expect(gaps.finish()).toEqual({ started_at: iso(IDLE_AFTER_MS * 3), client_now: iso(IDLE_AFTER_MS * 3 + 1_000), gaps: [] });
  });

  it("refuses to finish a reading that never started", () => {
    expect(() => new GapRecorder().finish()).toThrow(/not started/);
  });

  it("resumes a reading sent back, keeping its start and gaps", () => {
    const { gaps, advance } = recorderAt();
    advance(90_000);
    gaps.resume({ started_at: iso(0), gaps: [{ kind: "focus", start: iso(10_000), end: iso(20_000) }] });
    advance(5_000);
    expect(gaps.finish()).toEqual({
      started_at: iso(0),
      client_now: iso(95_000),
      gaps: [{ kind: "focus", start: iso(10_000), end: iso(20_000) }],
    });
  });
});

describe("merged", () => {
  it("joins overlapping gaps under the first one's kind and clips them to the session", () => {
    const gaps = merged(
      [
        { kind: "idle", start: 50, end: 90 },
        { kind: "focus", start: -10, end: 20 },
        { kind: "focus", start: 80, end: 130 },
      ],
      0,
      100,
    );
    expect(gaps).toEqual([
      { kind: "focus", start: 0, end: 20 },
      { kind: "idle", start: 50, end: 100 },
    ]);
  });
});
