import { ApiError } from "../net/apiJson";
import type { Vec3, ViewerExam, ViewerLesion, ViewerSegmentation } from "../types/ViewerManifest";
import { lpsToRas, rasToLps } from "./geometry";
import type { GradingApi, LesionVerdict, LesionVerdictInput } from "./gradingApi";
import type { LesionMarker } from "./lesionMarkers";
import { markVerdicts, renderAddedLesions, renderLesionPanel, selectLesionRow } from "./lesionPanel";
import { orderLesions, stepLesion } from "./lesionNavigation";
import type { PickedLesion } from "./lesionPick";
import { VerdictBook, nextUndecided, undoInput } from "./lesionVerdicts";
import { type ReadingClock, Stopwatch } from "./readingClock";
import type { ViewerMode } from "./viewerOptions";

/** What the review drives outside its panel. */
export interface LesionReviewHost {
  /** Move every panel to an LPS point. */
  goTo(point: Vec3): void;
  /** Draw lesions of the shown segmentation as their verdicts say (rejected green, new red). */
  paint(segmentation: ViewerSegmentation, lesions: readonly ViewerLesion[], book: VerdictBook): void;
  /** Ring the lesions readers added. */
  mark(markers: LesionMarker[]): void;
  /** Wait for the reader to point at a missed lesion on the current exam; undefined if cancelled. */
  pick(): Promise<PickedLesion | undefined>;
  cancelPick(): void;
}

export interface LesionReviewView {
  table: HTMLTableElement;
  progress: HTMLElement;
  status: HTMLElement;
}

export type ReviewCommand = "next" | "previous" | "accept" | "reject" | "add" | "undo" | "cancel";

/** The commands that record verdicts: a study reading has none. */
const VERDICT_COMMANDS: ReadonlySet<ReviewCommand> = new Set(["accept", "reject", "add", "undo"]);

/** Radius drawn around an added lesion given by its centre only. */
const DEFAULT_MARKER_MM = 3;

/**
 * Lesion review from the keyboard: next and previous lesion (the panels jump to it), accept
 * or reject it (then on to the next lesion without a verdict), add a missed lesion by
 * pointing at it, and undo this session's verdicts one by one. Verdicts are append-only, so
 * an undo is a new verdict superseding the one undone.
 *
 * Commands run one after the other, in the order of the keys, each after the server has
 * answered the one before: a quick "a a a" judges three lesions, never one three times.
 * Reading time per lesion is what the reader spent on it while it was selected, sent with
 * its verdict.
 *
 * In a study reading the lesions are there to look at and go to: no verdict is loaded, shown
 * or recorded.
 */
export class LesionReview {
  private segmentation: ViewerSegmentation | undefined;
  private lesions: ViewerLesion[] = [];
  private book = new VerdictBook([]);
  private at = -1;
  private readonly watches = new Map<number, Stopwatch>();
  /** This session's verdicts on the shown segmentation, newest last: what `undo` takes back. */
  private undoable: LesionVerdict[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly view: LesionReviewView,
    private readonly priors: readonly ViewerExam[],
    private readonly api: Pick<GradingApi, "verdicts" | "judge">,
    private readonly clock: ReadingClock,
    private readonly host: LesionReviewHost,
    private readonly mode: ViewerMode,
  ) {}

  /** Review this segmentation's lesions now. */
  show(segmentation: ViewerSegmentation | undefined): Promise<void> {
    this.host.cancelPick();
    return this.enqueue(async () => {
      this.select(-1);
      this.segmentation = segmentation;
      this.lesions = orderLesions(segmentation?.lesions ?? []);
      this.undoable = [];
      this.watches.clear();
      this.book = new VerdictBook([]);
      // Without a segmentation (an unaided study reading) an empty table must not read as "no lesions".
      const none = segmentation ? undefined : "No segmentation shown";
      renderLesionPanel(this.view.table, this.lesions, this.priors, (position) => this.enqueue(async () => this.select(position)), none);
      this.renderVerdicts();
      if (segmentation && this.mode === "review") await this.reload(segmentation);
    });
  }

  /** Run a key's command after those before it; any command first ends a pending add. */
  command(command: ReviewCommand): Promise<void> {
    if (command !== "add") this.host.cancelPick();
    if (command === "cancel" || (this.mode !== "review" && VERDICT_COMMANDS.has(command))) return this.queue;
    return this.enqueue(() => this[command]());
  }

  private enqueue(task: () => Promise<void> | void): Promise<void> {
    this.queue = this.queue.then(task).catch((error: unknown) => this.say(describe(error), true));
    return this.queue;
  }

  private next(): void {
    this.select(stepLesion(this.at, 1, this.lesions.length));
  }

  private previous(): void {
    this.select(stepLesion(this.at, -1, this.lesions.length));
  }

  private accept(): Promise<void> {
    return this.judge("accepted");
  }

  private reject(): Promise<void> {
    return this.judge("rejected");
  }

  private async judge(decision: "accepted" | "rejected"): Promise<void> {
    const lesion = this.lesions[this.at];
    if (!lesion) {
      this.say("No lesion selected: n goes to the first.");
      return;
    }
    const verdict = await this.record(
      { decision, lesion: lesion.id, supersedes: this.book.standing(lesion.id)?.id ?? null },
      this.watch(lesion.id),
    );
    if (!verdict) return;
    this.undoable.push(verdict);
    const onward = nextUndecided(this.lesions.map((l) => l.id), this.book, this.at);
    const done = onward < 0 ? ` All ${this.lesions.length} lesions have a verdict.` : "";
    this.say(`Lesion ${lesion.index} ${decision === "rejected" ? "rejected (false positive)" : "accepted"}.${done}`);
    if (onward >= 0) this.select(onward);
  }

  private async add(): Promise<void> {
    if (!this.segmentation) return;
    this.say("Click the centre of the missed lesion on the current exam; drag outward for its extent. Esc cancels.");
    const watch = new Stopwatch(this.clock);
    watch.start();
    const picked = await this.host.pick();
    if (!picked) {
      this.say("Adding a lesion cancelled.");
      return;
    }
    const verdict = await this.record(
      { decision: "added", centre_mm: lpsToRas(picked.centre), radius_mm: picked.radiusMm ?? null },
      watch,
    );
    if (!verdict) return;
    this.undoable.push(verdict);
    this.say("Missed lesion added.");
  }

  private async undo(): Promise<void> {
    const last = this.undoable.pop();
    if (!last) {
      this.say("Nothing to undo.");
      return;
    }
    const position = this.lesions.findIndex((lesion) => lesion.id === last.lesion);
    const input = undoInput(last, this.book);
    if (!(await this.record(input))) {
      this.undoable.push(last);
      return;
    }
    if (position < 0) {
      this.say("Added lesion withdrawn.");
      return;
    }
    this.select(position);
    const lesion = this.lesions[position]!.index;
    this.say(
      input.decision === "withdrawn"
        ? `Verdict on lesion ${lesion} withdrawn: it has no verdict again.`
        : `Verdict on lesion ${lesion} undone: ${input.decision} again.`,
    );
  }

  /** Post a verdict and show it; undefined (with the reason said) when refused. */
  private async record(
    input: LesionVerdictInput,
    watch?: Stopwatch,
  ): Promise<LesionVerdict | undefined> {
    const segmentation = this.segmentation;
    if (!segmentation) return undefined;
    const readingTime = watch?.take();
    try {
      const verdict = await this.api.judge(segmentation.id, { ...input, reading_time_ms: readingTime ?? null });
      this.book = this.book.with(verdict);
      this.renderVerdicts(verdict);
      return verdict;
    } catch (error) {
      if (readingTime !== undefined) watch!.putBack(readingTime);
      this.say(describe(error), true);
      if (error instanceof ApiError && error.status === 409) await this.reload(segmentation);
      return undefined;
    }
  }

  private async reload(segmentation: ViewerSegmentation): Promise<void> {
    const history = await this.api.verdicts(segmentation.id);
    if (segmentation !== this.segmentation) return;
    this.book = new VerdictBook(history);
    this.renderVerdicts();
  }

  /** Show the verdicts: marks in the table, colours and rings on the images, the count. */
  private renderVerdicts(changed?: LesionVerdict): void {
    const segmentation = this.segmentation;
    markVerdicts(this.view.table, this.book);
    renderAddedLesions(this.view.table, this.book.added, (verdict) => this.host.goTo(rasToLps(verdict.centre_mm as Vec3)));
    selectLesionRow(this.view.table, this.at);
    if (segmentation) {
      this.host.paint(segmentation, changed ? this.lesions.filter((lesion) => lesion.id === changed.lesion) : this.lesions, this.book);
    }
    this.host.mark(
      this.book.added.map((verdict) => ({
        centre: rasToLps(verdict.centre_mm as Vec3),
        radiusMm: verdict.radius_mm ?? DEFAULT_MARKER_MM,
      })),
    );
    const judged = this.lesions.filter((lesion) => this.book.decision(lesion.id) !== undefined).length;
    const added = this.book.added.length;
    this.view.progress.textContent =
      segmentation && this.mode === "review"
        ? `${judged} of ${this.lesions.length} with a verdict${added ? ` · ${added} added` : ""}`
        : "";
  }

  /** Select the lesion at `position` (−1: none), move the panels to it, and time it. */
  private select(position: number): void {
    const leaving = this.lesions[this.at];
    if (leaving) this.watch(leaving.id).stop();
    this.at = position;
    selectLesionRow(this.view.table, position);
    const lesion = this.lesions[position];
    if (!lesion) return;
    this.watch(lesion.id).start();
    this.host.goTo(lesion.centroid_mm);
  }

  private watch(lesion: number): Stopwatch {
    let watch = this.watches.get(lesion);
    if (!watch) {
      watch = new Stopwatch(this.clock);
      this.watches.set(lesion, watch);
    }
    return watch;
  }

  private say(text: string, problem = false): void {
    this.view.status.textContent = text;
    this.view.status.classList.toggle("is-error", problem);
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
