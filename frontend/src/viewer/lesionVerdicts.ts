import type { Decision, LesionVerdict, LesionVerdictInput } from "./gradingApi";

/**
 * Where the verdicts of a segmentation stand. The history is append-only: a verdict that
 * changes or takes back another names it in `supersedes`, so the standing verdicts are
 * those nobody has superseded. Among standing verdicts on one lesion (two readers judging
 * it for the first time at once), the newest counts.
 */
export class VerdictBook {
  /** Standing verdict per lesion id. */
  private readonly byLesion = new Map<number, LesionVerdict>();
  private readonly byId: Map<number, LesionVerdict>;
  /** Standing verdicts that add a lesion the segmentation missed, oldest first. */
  readonly added: LesionVerdict[];

  /** `history` as the API gives it, newest first. */
  constructor(readonly history: readonly LesionVerdict[]) {
    this.byId = new Map(history.map((verdict) => [verdict.id, verdict]));
    const superseded = new Set(history.map((verdict) => verdict.supersedes).filter((id) => id !== null));
    const standing = history.filter((verdict) => !superseded.has(verdict.id));
    for (const verdict of standing) {
      if (verdict.lesion !== null && !this.byLesion.has(verdict.lesion)) this.byLesion.set(verdict.lesion, verdict);
    }
    this.added = standing.filter((verdict) => verdict.decision === "added").reverse();
  }

  /** The standing verdict on a lesion, if any. */
  standing(lesion: number): LesionVerdict | undefined {
    return this.byLesion.get(lesion);
  }

  /** The lesion's decision now: accepted, rejected, or none (never judged, or withdrawn). */
  decision(lesion: number): Decision | undefined {
    const decision = this.byLesion.get(lesion)?.decision;
    return decision === "withdrawn" ? undefined : decision;
  }

  /** The verdict a verdict superseded, if it is in the history. */
  previous(verdict: LesionVerdict): LesionVerdict | undefined {
    return verdict.supersedes === null ? undefined : this.byId.get(verdict.supersedes);
  }

  /** With one more verdict recorded (the API's answer to a POST). */
  with(verdict: LesionVerdict): VerdictBook {
    return new VerdictBook([verdict, ...this.history]);
  }
}

/**
 * The position of the next lesion without a decision after `from`, going round; `from`
 * itself last. −1 when every lesion has one.
 */
export function nextUndecided(lesionIds: readonly number[], book: VerdictBook, from: number): number {
  const count = lesionIds.length;
  for (let step = 1; step <= count; step++) {
    const position = (((from + step) % count) + count) % count;
    if (book.decision(lesionIds[position]!) === undefined) return position;
  }
  return -1;
}

/**
 * The verdict that undoes `verdict`: it supersedes the standing verdict of its lesion (the
 * one undone, or a later one) and brings back the decision the undone verdict had replaced,
 * or withdraws it when there was none (a first verdict, an added lesion).
 */
export function undoInput(verdict: LesionVerdict, book: VerdictBook): LesionVerdictInput {
  const standing = verdict.lesion === null ? verdict : (book.standing(verdict.lesion) ?? verdict);
  const before = book.previous(verdict)?.decision;
  if (verdict.lesion !== null && (before === "accepted" || before === "rejected")) {
    return { decision: before, lesion: verdict.lesion, supersedes: standing.id };
  }
  return { decision: "withdrawn", supersedes: standing.id };
}
