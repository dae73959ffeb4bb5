import { ApiError } from "../net/apiJson";
import type { ViewerSegmentation } from "../types/ViewerManifest";
import type { Assessment, AssessmentInput, GradingApi, GradingPanelData, Scale } from "./gradingApi";
import type { Stopwatch } from "./readingClock";

/** What the reader has typed into the form of one segmentation. */
interface Draft {
  acceptable: string;
  level: string;
  comment: string;
}

const EMPTY: Draft = { acceptable: "", level: "", comment: "" };

/**
 * The grading panel beside the images: the segmentation's volumes and component counts, a
 * form for a new assessment on the project's scale (the server's), with a comment, and the
 * history of assessments, newest first, with author and time.
 *
 * On EASE acceptability and grade are chosen apart and stored independently. On the
 * four-level scale the level is the judgement, and acceptability follows from it: the WMH
 * paper counts grades I and II as acceptable (R-WMH-06).
 *
 * Nothing is preselected (EASE R-A6.10). A form based on a history someone has meanwhile
 * added to is refused by the server (409): its message shows, the history reloads, and what
 * was typed stays, to be submitted again over the new assessment. A draft survives switching
 * to another segmentation and back.
 */
export class GradingPanel {
  readonly form: HTMLFormElement;
  private readonly title: HTMLElement;
  private readonly volumes: HTMLElement;
  private readonly versions: HTMLElement;
  private readonly comparability: HTMLElement;
  private readonly rerun: HTMLElement;
  private readonly choices: HTMLElement;
  private readonly comment: HTMLTextAreaElement;
  private readonly message: HTMLElement;
  private readonly submit: HTMLButtonElement;
  private readonly history: HTMLDetailsElement;
  private readonly historyCount: HTMLElement;
  private readonly historyList: HTMLOListElement;
  private segmentation: ViewerSegmentation | undefined;
  /** The scale the form asks for, as the server last gave it. */
  private scale: Scale | undefined;
  private assessments: Assessment[] = [];
  private readonly drafts = new Map<number, Draft>();
  private busy = false;

  constructor(
    root: HTMLElement,
    private readonly api: Pick<GradingApi, "panel" | "assessments" | "assess" | "segmentAgain">,
    /** The case's reading time, sent with each assessment. */
    private readonly readingTime: Pick<Stopwatch, "take" | "putBack">,
    /** The patient's pseudonym: segmenting again segments all its exams. */
    private readonly patient: string,
  ) {
    root.innerHTML = `
      <h2>Grading <span class="muted viewer-grading-target"></span></h2>
      <p class="muted viewer-model-versions"></p>
      <ul class="viewer-comparability" hidden></ul>
      <div class="viewer-rerun" hidden>
        <button type="button" class="button button-small">Segment the priors again</button>
        <span class="muted" role="status" aria-live="polite">with the live model versions, so that their volumes compare</span>
      </div>
      <p class="viewer-volumes"></p>
      <form class="viewer-grading-form" novalidate hidden>
        <div class="viewer-grading-choices"></div>
        <textarea name="comment" rows="2" aria-label="Comment" placeholder="Comment (optional)"></textarea>
        <div class="viewer-grading-actions">
          <button type="submit" class="button button-primary">Save assessment</button>
          <span class="viewer-grading-message" role="status" aria-live="polite"></span>
        </div>
      </form>
      <details class="viewer-history"><summary>History (<span>0</span>)</summary><ol></ol></details>`;
    const part = <T extends Element>(selector: string): T => root.querySelector<T>(selector)!;
    this.title = part(".viewer-grading-target");
    this.volumes = part(".viewer-volumes");
    this.versions = part(".viewer-model-versions");
    this.comparability = part(".viewer-comparability");
    this.rerun = part(".viewer-rerun");
    part(".viewer-rerun button").addEventListener("click", () => void this.segmentAgain());
    this.form = part("form");
    this.choices = part(".viewer-grading-choices");
    this.comment = part("textarea");
    this.message = part(".viewer-grading-message");
    this.submit = part("button[type=submit]");
    this.history = part(".viewer-history");
    this.historyCount = part(".viewer-history summary span");
    this.historyList = part(".viewer-history ol");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
    // Esc gives the keys back to the viewer (lesion review, slices).
    this.form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") (document.activeElement as HTMLElement | null)?.blur();
    });
  }

  /** Grade this segmentation now (none: the panel says there is nothing to grade). */
  async show(segmentation: ViewerSegmentation | undefined): Promise<void> {
    if (this.segmentation && this.scale) this.drafts.set(this.segmentation.id, this.draft());
    this.segmentation = segmentation;
    this.form.hidden = true;
    this.title.textContent = segmentation?.name ?? "";
    this.versions.textContent = segmentation ? versionLine(segmentation) : "";
    const warnings = segmentation?.comparability ?? [];
    this.comparability.replaceChildren(...warnings.map((warning) => listItem(warning)));
    this.comparability.hidden = warnings.length === 0;
    this.rerun.hidden = warnings.length === 0;
    this.volumes.textContent = segmentation ? "Loading…" : "No segmentation to grade on this exam.";
    this.say("");
    this.assessments = [];
    this.renderHistory();
    if (!segmentation) return;
    try {
      const [panel, history] = await Promise.all([this.api.panel(segmentation.id), this.api.assessments(segmentation.id)]);
      if (segmentation !== this.segmentation) return;
      this.useScale(panel.scale);
      this.setDraft(this.drafts.get(segmentation.id) ?? EMPTY);
      this.volumes.textContent = volumeSummary(panel);
      this.assessments = history;
      this.renderHistory();
      this.form.hidden = false;
    } catch (error) {
      if (segmentation === this.segmentation) this.volumes.textContent = `The grading panel could not be loaded: ${describe(error)}`;
    }
  }

  /** Queue the patient's segmentation with the live versions and link to its progress. The
   * priors' new results replace their composites once the job ends; the replaced ones keep
   * their grades as history, and the viewer shows the new ones when reloaded. */
  private async segmentAgain(): Promise<void> {
    const button = this.rerun.querySelector("button")!;
    const status = this.rerun.querySelector("span")!;
    button.disabled = true;
    try {
      const job = await this.api.segmentAgain(this.patient);
      const link = document.createElement("a");
      link.href = `/inference/${job.id}/`;
      link.textContent = `segmentation job ${job.id}`;
      status.replaceChildren("Queued as ", link, ": reload the viewer when it has finished.");
    } catch (error) {
      status.textContent = `Not queued: ${describe(error)}`;
      button.disabled = false;
    }
  }

  /** Put the keyboard in the form (the `g` key). */
  focus(): void {
    this.form.querySelector<HTMLInputElement>("input")?.focus();
  }

  private async reload(segmentation: ViewerSegmentation): Promise<void> {
    try {
      const history = await this.api.assessments(segmentation.id);
      if (segmentation !== this.segmentation) return;
      this.assessments = history;
      this.renderHistory();
    } catch (error) {
      this.say(`The history could not be loaded: ${describe(error)}`, true);
    }
  }

  private async save(): Promise<void> {
    const segmentation = this.segmentation;
    if (!segmentation || this.busy) return;
    const input = this.input();
    if (typeof input === "string") {
      this.say(input, true);
      return;
    }
    this.busy = this.submit.disabled = true;
    const readingTime = this.readingTime.take();
    try {
      const saved = await this.api.assess(segmentation.id, { ...input, reading_time_ms: readingTime });
      this.assessments = [saved, ...this.assessments];
      this.drafts.delete(segmentation.id);
      this.setDraft(EMPTY);
      this.renderHistory();
      this.say(`Saved: ${this.summary(saved)}.`);
    } catch (error) {
      this.readingTime.putBack(readingTime);
      this.say(describe(error), true);
      if (error instanceof ApiError && error.status === 409) {
        await this.reload(segmentation);
        this.history.open = true;
      }
    } finally {
      this.busy = this.submit.disabled = false;
    }
  }

  /** The submission the form holds, or what is missing from it. */
  private input(): AssessmentInput | string {
    const scale = this.scale!;
    const { acceptable, level, comment } = this.draft();
    const ease = scale.field === "grade";
    if (ease && !acceptable) return "Choose Acceptable or Unacceptable.";
    if (!level) return `Choose a ${ease ? "grade" : "level"}.`;
    const value = Number(level);
    const supersedes = this.assessments[0]?.id ?? null;
    return ease
      ? { acceptable: acceptable === "true", grade: value, comment, supersedes }
      : { acceptable: value >= 3, four_level: value, comment, supersedes }; // 4 = I, 3 = II
  }

  private draft(): Draft {
    const data = new FormData(this.form);
    return { acceptable: String(data.get("acceptable") ?? ""), level: String(data.get("level") ?? ""), comment: this.comment.value };
  }

  private setDraft(draft: Draft): void {
    for (const input of this.form.querySelectorAll<HTMLInputElement>("input[type=radio]")) {
      input.checked = input.value === (input.name === "acceptable" ? draft.acceptable : draft.level);
    }
    this.comment.value = draft.comment;
  }

  /** Build the choices for the scale, unless the form already asks for it. */
  private useScale(scale: Scale): void {
    if (this.scale && this.scale.scale === scale.scale) return;
    this.scale = scale;
    const groups: HTMLFieldSetElement[] = [];
    if (scale.field === "grade") {
      groups.push(
        choiceGroup("acceptable", "Quality", [
          { value: "true", text: "Acceptable" },
          { value: "false", text: "Unacceptable" },
        ]),
      );
    }
    const levels = choiceGroup(
      "level",
      scale.field === "grade" ? "Grade (5 best)" : "Level (acceptable: I–II)",
      scale.levels.map((level) => ({
        value: String(level.value),
        text: level.roman || String(level.value),
        detail: level.label,
        title: criteriaText(level.criteria),
      })),
    );
    groups.push(levels);
    this.choices.replaceChildren(...groups);
    if (scale.levels.some((level) => Object.keys(level.criteria).length > 0)) this.choices.append(criteriaDetails(scale));
  }

  private renderHistory(): void {
    this.historyCount.textContent = String(this.assessments.length);
    this.historyList.replaceChildren(
      ...this.assessments.map((assessment, position) => {
        const item = document.createElement("li");
        item.dataset.assessmentId = String(assessment.id);
        const summary = document.createElement("strong");
        summary.textContent = this.summary(assessment);
        const who = document.createElement("span");
        who.className = "muted";
        who.textContent = ` ${assessment.reader_name}, ${formatTime(assessment.created_at)}${position === 0 ? " (standing)" : ""}`;
        item.append(summary, who);
        if (assessment.comment) {
          const comment = document.createElement("q");
          comment.textContent = assessment.comment;
          item.append(comment);
        }
        return item;
      }),
    );
    this.submit.textContent = this.assessments.length > 0 ? "Save new assessment" : "Save assessment";
  }

  /** "Acceptable · 4 Good" or "Acceptable · II Acceptable with minor revision". */
  private summary(assessment: Assessment): string {
    const value = assessment.scale === "ease" ? assessment.grade : assessment.four_level;
    const level = this.scale?.scale === assessment.scale ? this.scale.levels.find((l) => l.value === value) : undefined;
    const grade = level ? `${level.roman || level.value} ${level.label}` : `${assessment.scale} ${value}`;
    return `${assessment.acceptable ? "Acceptable" : "Unacceptable"} · ${grade}`;
  }

  private say(text: string, problem = false): void {
    this.message.textContent = text;
    this.message.classList.toggle("is-error", problem);
  }
}

interface Choice {
  value: string;
  text: string;
  /** A second, smaller line: a grade's name under its number. */
  detail?: string;
  title?: string;
}

/** Radio buttons of one choice, none chosen. */
function choiceGroup(name: string, legend: string, choices: Choice[]): HTMLFieldSetElement {
  const group = document.createElement("fieldset");
  group.className = "viewer-choice";
  group.dataset.choice = name;
  const caption = document.createElement("legend");
  caption.textContent = legend;
  group.append(caption);
  for (const { value, text, detail, title } of choices) {
    const label = document.createElement("label");
    if (title) label.title = title;
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = name;
    radio.value = value;
    const face = document.createElement("span");
    face.textContent = text;
    if (detail) {
      const small = document.createElement("small");
      small.textContent = detail;
      face.append(small);
    }
    label.append(radio, face);
    group.append(label);
  }
  return group;
}

const criteriaText = (criteria: Record<string, string>): string =>
  Object.entries(criteria)
    .map(([size, text]) => `${size}: ${text}`)
    .join("\n");

/** The four-level scale's criteria per lesion size, to read before choosing (R-WMH-01). */
function criteriaDetails(scale: Scale): HTMLDetailsElement {
  const details = document.createElement("details");
  details.className = "viewer-criteria";
  const summary = document.createElement("summary");
  summary.textContent = "Criteria per lesion size";
  const list = document.createElement("dl");
  for (const level of scale.levels) {
    const term = document.createElement("dt");
    term.textContent = `${level.roman} ${level.label}`;
    const description = document.createElement("dd");
    description.textContent = criteriaText(level.criteria).replaceAll("\n", "; ");
    list.append(term, description);
  }
  details.append(summary, list);
  return details;
}

/** "enhancing 1.20 · oedema 20.10 · WT 21.30 mL · 3 lesions, 12 smaller components (< 0.1 mL)" */
export function volumeSummary(panel: Pick<GradingPanelData, "regions" | "listed_lesions" | "below_minimum_lesions" | "minimum_lesion_ml">): string {
  const volumes = panel.regions.map((region) => `${region.region} ${region.volume_ml.toFixed(2)}`).join(" · ");
  const lesions = `${panel.listed_lesions} ${panel.listed_lesions === 1 ? "lesion" : "lesions"}`;
  const smaller = panel.below_minimum_lesions
    ? `, ${panel.below_minimum_lesions} smaller ${panel.below_minimum_lesions === 1 ? "component" : "components"}${panel.minimum_lesion_ml == null ? "" : ` (< ${panel.minimum_lesion_ml} mL)`}`
    : "";
  return `${volumes ? `${volumes} mL · ` : ""}${lesions}${smaller}`;
}

const formatTime = (iso: string): string => new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The model versions that made a result, each with its compatibility group (EASE R-A9.4). */
export function versionLine(segmentation: ViewerSegmentation): string {
  return segmentation.model_versions
    .map((v) => `${v.name}${v.compatibility_group === null ? " (never live)" : ` · group ${v.compatibility_group}`}`)
    .join("; ");
}

function listItem(text: string): HTMLLIElement {
  const item = document.createElement("li");
  item.textContent = text;
  return item;
}
