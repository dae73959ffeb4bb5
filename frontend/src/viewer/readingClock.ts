/** A reader counts as reading for this long after their last key press, click or wheel turn. */
export const IDLE_AFTER_MS = 60_000;

/**
 * Active reading time, the way reader studies count it (R-CMB-05): time with the page
 * visible and the reader at work. Counting stops when the tab is hidden and one minute after
 * the last input, so a coffee break or a phone call is not reading time.
 *
 * `total()` only grows; the time spent on something is the difference of two readings, and
 * a Stopwatch keeps such a difference across several visits (a lesion returned to later).
 */
export class ReadingClock {
  private counted = 0;
  /** Start of the stretch being counted now; undefined while hidden. */
  private since: number | undefined;
  private lastInput: number;

  constructor(
    private readonly now: () => number = () => performance.now(),
    visible = true,
  ) {
    this.lastInput = this.now();
    if (visible) this.since = this.lastInput;
  }

  /** The reader did something: reading resumes if it had lapsed. */
  input(): void {
    const at = this.now();
    if (this.since !== undefined && at > this.lastInput + IDLE_AFTER_MS) {
      this.counted += this.lastInput + IDLE_AFTER_MS - this.since;
      this.since = at;
    }
    this.lastInput = at;
  }

  visibility(visible: boolean): void {
    const at = this.now();
    if (!visible && this.since !== undefined) {
      this.counted += this.countedUntil(at) - this.since;
      this.since = undefined;
    } else if (visible && this.since === undefined) {
      this.since = this.lastInput = at;
    }
  }

  /** Milliseconds of active reading since the clock started. */
  total(): number {
    if (this.since === undefined) return this.counted;
    return this.counted + this.countedUntil(this.now()) - this.since;
  }

  /** Follow the page: inputs restart the count, a hidden tab stops it. */
  watch(page: Document): void {
    for (const type of ["keydown", "pointerdown", "wheel"]) page.addEventListener(type, () => this.input(), { capture: true, passive: true });
    page.addEventListener("visibilitychange", () => this.visibility(page.visibilityState === "visible"));
  }

  private countedUntil(at: number): number {
    return Math.min(at, this.lastInput + IDLE_AFTER_MS);
  }
}

/** Reading time spent on one thing, over one or more visits, until it is taken. */
export class Stopwatch {
  private counted = 0;
  private startedAt: number | undefined;

  constructor(private readonly clock: Pick<ReadingClock, "total">) {}

  start(): void {
    this.startedAt ??= this.clock.total();
  }

  stop(): void {
    if (this.startedAt === undefined) return;
    this.counted += this.clock.total() - this.startedAt;
    this.startedAt = undefined;
  }

  /** Whole milliseconds so far; the count starts again from zero (a running watch keeps running). */
  take(): number {
    const running = this.startedAt !== undefined;
    this.stop();
    const taken = Math.round(this.counted);
    this.counted = 0;
    if (running) this.start();
    return taken;
  }

  /** Give back what was taken for a submission that failed, so no reading time is lost. */
  putBack(taken: number): void {
    this.counted += taken;
  }
}
