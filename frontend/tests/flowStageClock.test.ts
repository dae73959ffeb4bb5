import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { stageClock } from "../src/flow/stageClock";
import type { StageState } from "../src/flow/stageClock";

let seen: StageState[];
const record = (state: Readonly<StageState>): void => {
  seen.push({ ...state });
};

describe("stageClock", () => {
  beforeEach(() => {
    seen = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("plays ten stages a second and stops at the last stage", () => {
    const clock = stageClock(record);
    clock.load(5, 0);
    clock.play();
    vi.advanceTimersByTime(200);
    expect(clock.state).toEqual({ index: 2, count: 5, playing: true });
    vi.advanceTimersByTime(1000);
    expect(clock.state).toEqual({ index: 4, count: 5, playing: false });
    expect(seen.map((state) => state.index)).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it("plays again from t = 0 when started at the last stage", () => {
    const clock = stageClock(record);
    clock.load(3, 2);
    clock.toggle();
    expect(clock.state).toEqual({ index: 0, count: 3, playing: true });
  });

  it("pauses when the user picks a stage, clamped to the stages there are", () => {
    const clock = stageClock(record);
    clock.load(4, 0);
    clock.play();
    clock.seek(9);
    expect(clock.state).toEqual({ index: 3, count: 4, playing: false });
    vi.advanceTimersByTime(1000);
    expect(clock.state.index).toBe(3);
    clock.toggle();
    clock.toggle();
    expect(clock.state.playing).toBe(false);
  });

  it("goes on playing when new frames are loaded, and does not play a single stage", () => {
    const clock = stageClock(record);
    clock.load(10, 0);
    clock.play();
    clock.load(20, 4);
    vi.advanceTimersByTime(100);
    expect(clock.state).toEqual({ index: 5, count: 20, playing: true });
    clock.load(1, 0);
    clock.play();
    expect(clock.state.playing).toBe(false);
  });
});
