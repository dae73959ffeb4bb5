import { ApiError } from "../net/apiJson";
import type { ViewerExam } from "../types/ViewerManifest";
import type { AlarmApi } from "./alarmApi";
import { type Alarm, type CaseAlarmState, type ExamAlarmLine, alarmItem } from "./alarms";
import type { ViewerMode } from "./viewerOptions";

type ShownExam = Pick<ViewerExam, "id" | "role" | "date">;

/**
 * The viewer's alarm header: one compact line per shown exam with open alarms, the riskiest
 * first, each with the exam's risk score and its kinds worst first (the server's line), and a
 * button that opens the alarm list: every alarm with its evidence and true/false alarm
 * buttons. The list opens over the page, not in its flow, so the image panels keep their
 * place whatever the number of alarms. Alarms are advisory: a verdict never changes a result.
 * A study reading shows them read-only: the verdicts as they stand, no buttons.
 */
export class AlarmHeader {
  private state: CaseAlarmState | undefined;
  private readonly lines: HTMLUListElement;
  private readonly popover: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly status: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly pseudonym: string,
    private readonly exams: readonly ShownExam[],
    private readonly api: Pick<AlarmApi, "state" | "judge">,
    private readonly mode: ViewerMode,
  ) {
    root.innerHTML = `
      <ul class="viewer-alarm-lines"><li class="muted">Alarms…</li></ul>
      <div class="viewer-alarm-popover" id="viewer-alarm-popover" role="region" aria-label="Alarm list" hidden>
        <div class="viewer-alarm-popover-head">
          <strong>Alarms</strong>
          <span class="muted">advisory: a verdict never changes a result</span>
          <button type="button" class="button viewer-alarm-close">Close</button>
        </div>
        <ul id="viewer-alarms"></ul>
      </div>
      <p class="muted viewer-alarms-status" aria-live="polite"></p>`;
    this.lines = root.querySelector(".viewer-alarm-lines")!;
    this.popover = root.querySelector(".viewer-alarm-popover")!;
    this.list = root.querySelector("#viewer-alarms")!;
    this.status = root.querySelector(".viewer-alarms-status")!;
    root.querySelector(".viewer-alarm-close")!.addEventListener("click", () => this.close());
    // A click on the images (anywhere else) puts the list away.
    document.addEventListener("pointerdown", (event) => {
      if (this.open && !root.contains(event.target as Node)) this.close();
    });
  }

  get open(): boolean {
    return !this.popover.hidden;
  }

  /** The patient's alarm state now, whole (the socket's message or the API's answer). */
  update(state: CaseAlarmState): void {
    this.state = state;
    this.render();
  }

  /** Fetch the state (on opening, and after a verdict was refused). */
  async reload(): Promise<void> {
    try {
      this.update(await this.api.state(this.pseudonym));
    } catch (error) {
      this.say(`Alarms could not be loaded: ${describe(error)}`);
    }
  }

  /** Open the list, at an exam's alarms. */
  show(exam?: number): void {
    this.popover.hidden = false;
    this.renderLines();
    if (exam !== undefined) this.list.querySelector(`li[data-exam-group="${exam}"]`)?.scrollIntoView({ block: "nearest" });
  }

  close(): void {
    this.popover.hidden = true;
    this.renderLines();
  }

  /** Say what went wrong (live updates stopped, a verdict refused). */
  say(message: string): void {
    this.status.textContent = message;
  }

  /** The shown exams' lines with open alarms, the riskiest first (ties: as the manifest orders the exams, current first). */
  private shownLines(): { exam: ShownExam; line: ExamAlarmLine }[] {
    const lines = new Map((this.state?.exams ?? []).map((line) => [line.exam, line]));
    return this.exams
      .map((exam) => ({ exam, line: lines.get(exam.id) }))
      .filter((shown): shown is { exam: ShownExam; line: ExamAlarmLine } => (shown.line?.open ?? 0) > 0)
      .sort((a, b) => b.line.risk_score - a.line.risk_score);
  }

  private render(): void {
    this.renderLines();
    this.renderList();
  }

  private renderLines(): void {
    if (!this.state) return;
    const shown = this.shownLines();
    if (shown.length === 0) {
      // A study reading may have its alarms withheld (blinding): "none open" would mislead.
      if (this.mode === "study-reading") {
        this.lines.replaceChildren();
        return;
      }
      const none = document.createElement("li");
      none.className = "muted";
      none.textContent = "No open alarms";
      this.lines.replaceChildren(none);
      return;
    }
    this.lines.replaceChildren(
      ...shown.map(({ exam, line }) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "viewer-alarm-line";
        button.dataset.exam = String(exam.id);
        button.dataset.severity = String(line.severity);
        button.setAttribute("aria-expanded", String(this.open));
        button.setAttribute("aria-controls", "viewer-alarm-popover");
        const score = document.createElement("span");
        score.className = "viewer-risk";
        score.textContent = `risk ${line.risk_score}`;
        score.title = "Risk score: 100 × the worst alarm's severity + the alarms not judged false";
        const label = document.createElement("span");
        label.className = "viewer-alarm-exam";
        label.textContent = examLabel(exam);
        const kinds = document.createElement("span");
        kinds.className = "viewer-alarm-kinds";
        kinds.textContent = [line.summary, line.dismissed ? `${line.dismissed} judged false` : ""].filter(Boolean).join(" · ");
        button.append(score, label, kinds);
        button.title = `${line.open} open ${line.open === 1 ? "alarm" : "alarms"}: ${kinds.textContent}. Click for the list with evidence.`;
        button.addEventListener("click", () => (this.open ? this.close() : this.show(exam.id)));
        const item = document.createElement("li");
        item.append(button);
        return item;
      }),
    );
  }

  private renderList(): void {
    const alarms = this.state?.alarms ?? [];
    const items: HTMLLIElement[] = [];
    for (const { exam, line } of this.shownLines()) {
      const heading = document.createElement("li");
      heading.className = "viewer-alarm-group";
      heading.dataset.examGroup = String(exam.id);
      heading.textContent = `${examLabel(exam)} · risk ${line.risk_score}`;
      items.push(heading);
      // The state lists alarms worst first, then newest.
      for (const alarm of alarms.filter((a) => a.exam === exam.id)) {
        const onJudge = (judged: Alarm, trueAlarm: boolean): void => void this.judge(judged, trueAlarm);
        items.push(alarmItem(alarm, this.mode === "review" ? onJudge : undefined));
      }
    }
    // Keep open the evidence the reader opened: a live update must not fold it away.
    const opened = new Set(
      [...this.list.querySelectorAll<HTMLLIElement>("li[data-alarm-id]")]
        .filter((item) => item.querySelector("details")?.open)
        .map((item) => item.dataset.alarmId),
    );
    this.list.replaceChildren(...items);
    for (const item of this.list.querySelectorAll<HTMLLIElement>("li[data-alarm-id]")) {
      if (opened.has(item.dataset.alarmId)) item.querySelector("details")!.open = true;
    }
  }

  private async judge(alarm: Alarm, trueAlarm: boolean): Promise<void> {
    try {
      const verdict = await this.api.judge(alarm.id, trueAlarm, alarm.verdict?.id ?? null);
      this.say("");
      // Shown at once; the socket follows with the new risk scores.
      if (this.state) {
        this.state = { ...this.state, alarms: this.state.alarms.map((a) => (a.id === alarm.id ? { ...a, verdict } : a)) };
        this.renderList();
      }
    } catch (error) {
      this.say(`${alarm.kind_display}: ${describe(error)}`);
      if (error instanceof ApiError && error.status === 409) await this.reload();
    }
  }
}

/** "Current 2025-06-01" */
export const examLabel = (exam: Pick<ViewerExam, "role" | "date">): string =>
  `${exam.role === "current" ? "Current" : "Prior"} ${exam.date ?? "undated"}`;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
