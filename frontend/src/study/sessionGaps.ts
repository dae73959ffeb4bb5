// A reader-study reading's timing (spec S-10, S-11): it runs from the case fully displayed to
// the send and keeps each gap, when the page lost the focus or the reader did nothing, as an
// interval the study stores to flag interrupted readings. The server subtracts the gaps and
// moves the times onto its own clock (reviewer/studies/readings.py). Idle is counted as the
// viewer's ReadingClock counts it: the first minute after an input is still reading.
import { IDLE_AFTER_MS } from "../viewer/readingClock";

export type GapKind = "focus" | "idle";

export interface Gap {
  kind: GapKind;
  start: string;
  end: string;
}

export interface Timing {
  started_at: string;
  client_now: string;
  gaps: Gap[];
}

interface Interval {
  kind: GapKind;
  start: number;
  end: number;
}

export class GapRecorder {
  private started: number | null = null;
  private focusLostAt: number | null = null;
  private lastActivity: number | null = null;
  private readonly gaps: Interval[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly idleMs: number = IDLE_AFTER_MS,
  ) {}

  get isRunning(): boolean {
    return this.started !== null;
  }

  /** The case is fully displayed: the reading starts (once). */
  start(): void {
    if (this.started !== null) return;
    this.started = this.now();
    this.lastActivity = this.started;
  }

  /** Go on with a reading the server sent back (its answers were refused): its start and
   * gaps as the page sent them. */
  resume(previous: Pick<Timing, "started_at" | "gaps">): void {
    this.started = Date.parse(previous.started_at);
    this.lastActivity = this.now();
    for (const { kind, start, end } of previous.gaps)
      this.gaps.push({ kind, start: Date.parse(start), end: Date.parse(end) });
  }

  /** The page lost the focus or was hidden. */
  focusLost(): void {
    if (this.started === null || this.focusLostAt !== null) return;
    this.focusLostAt = this.now();
  }

  focusBack(): void {
    if (this.focusLostAt === null) return;
    this.gaps.push({ kind: "focus", start: this.focusLostAt, end: this.now() });
    this.focusLostAt = null;
    this.lastActivity = this.now();
  }

  /** A pointer, key or wheel event: a pause longer than the idle limit was a gap, from the
   * limit on. */
  activity(): void {
    if (this.started === null) return;
    this.closeIdle(this.now());
    this.lastActivity = this.now();
  }

  /** The reading as the page sends it: its start, the browser's time now, the gaps. */
  finish(): Timing {
    if (this.started === null) throw new Error("the reading has not started");
    const now = this.now();
    this.focusBack();
    this.closeIdle(now);
    return {
      started_at: new Date(this.started).toISOString(),
      client_now: new Date(now).toISOString(),
      gaps: merged(this.gaps, this.started, now).map(({ kind, start, end }) => ({
        kind,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
      })),
    };
  }

  private closeIdle(now: number): void {
    if (this.lastActivity !== null && now - this.lastActivity >= this.idleMs) {
      this.gaps.push({ kind: "idle", start: this.lastActivity + this.idleMs, end: now });
    }
  }
}

/** The gaps inside [from, to], sorted, overlapping ones joined (the first one's kind). */
export function merged(gaps: Interval[], from: number, to: number): Interval[] {
  const clipped = gaps
    .map((gap) => ({ ...gap, start: Math.max(gap.start, from), end: Math.min(gap.end, to) }))
    .filter((gap) => gap.end > gap.start)
    .sort((a, b) => a.start - b.start);
  const joined: Interval[] = [];
  for (const gap of clipped) {
    const last = joined.at(-1);
    if (last && gap.start <= last.end) last.end = Math.max(last.end, gap.end);
    else joined.push({ ...gap });
  }
  return joined;
}
