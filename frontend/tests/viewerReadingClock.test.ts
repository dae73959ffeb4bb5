import { describe, expect, it } from "vitest";
import { IDLE_AFTER_MS, ReadingClock, Stopwatch } from "../src/viewer/readingClock";

/** A clock on a hand-moved time. */
function clockAt(start = 0) {
  let now = start;
  const clock = new ReadingClock(() => now);
  return { clock, advance: (ms: number) => (now += ms) };
}

describe("ReadingClock", () => {
  it("counts the time a reader works on the visible page", () => {
    const { clock, advance } = clockAt();
    advance(5_000);
    clock.input();
    advance(3_000);
    expect(clock.total()).toBe(8_000);
  });

  it("stops counting a minute after the last input and resumes with the next", () => {
    const { clock, advance } = clockAt();
    advance(10 * 60_000); // a coffee break with the viewer open
    expect(clock.total()).toBe(IDLE_AFTER_MS);
    clock.input();
    advance(2_000);
    expect(clock.total()).toBe(IDLE_AFTER_MS + 2_000);
  });

  it("does not count while the tab is hidden", () => {
    const { clock, advance } = clockAt();
    advance(1_000);
    clock.visibility(false);
    advance(30_000);
    clock.visibility(true);
    advance(1_000);
    expect(clock.total()).toBe(2_000);
  });
});

describe("Stopwatch", () => {
  it("adds up the visits to one thing, and starts again from zero once taken", () => {
    const { clock, advance } = clockAt();
    const watch = new Stopwatch(clock);
    watch.start();
    advance(1_500);
    watch.stop();
    advance(9_000); // another lesion
    watch.start();
    advance(500);
    expect(watch.take()).toBe(2_000);
    advance(700);
    expect(watch.take()).toBe(700);
  });

  it("gets back the time of a submission that failed", () => {
    const { clock, advance } = clockAt();
    const watch = new Stopwatch(clock);
    watch.start();
    advance(4_000);
    const taken = watch.take();
    watch.putBack(taken);
    advance(1_000);
    expect(watch.take()).toBe(5_000);
  });
});
