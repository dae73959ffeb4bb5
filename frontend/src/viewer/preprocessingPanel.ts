import type { ViewerPreprocessing } from "../types/ViewerManifest";
import type { PreprocessingApi, Rerun } from "./preprocessingApi";
import { flagText, parametersText, rerunStart, runSummary, stepLine } from "./preprocessingText";

const REFERENCES = [
  ["", "Automatic (T1CE, T1, FLAIR, T2)"],
  ["T1CE", "T1CE"],
  ["T1", "T1"],
  ["FLAIR", "FLAIR"],
  ["T2", "T2"],
] as const;

/**
 * The current exam's latest preprocessing run in the side column: its flags as warnings, always
 * in view (a thick FLAIR means the MS detection did not run); under a collapsed summary, its
 * steps, parameters and rejection, and for QA admins the Reject and "Run again" forms.
 */
export class PreprocessingPanel {
  private exam = 0;

  constructor(
    private readonly host: HTMLElement,
    private readonly api: PreprocessingApi,
    /** QA admins and the data steward (#viewer[data-may-review-preprocessing]). */
    private readonly mayReview: boolean,
    /** The exam's latest run as the server now has it, after a write. */
    private readonly reload: () => Promise<ViewerPreprocessing | null>,
  ) {}

  show(exam: number, run: ViewerPreprocessing | null, message = ""): void {
    const wasOpen = this.host.querySelector("details.viewer-preprocessing-details")?.hasAttribute("open") ?? false;
    this.exam = exam;
    this.host.replaceChildren();
    this.host.dataset.run = run ? String(run.id) : "";
    this.host.dataset.status = run?.status ?? "";
    this.host.dataset.rejected = String(Boolean(run?.rejection));
    if (!run) {
      this.host.append(paragraph("muted", "No preprocessing run for this exam."));
      return;
    }
    if (run.flags.length > 0) {
      const flags = element("ul", "viewer-preprocessing-flags");
      flags.setAttribute("aria-label", "Preprocessing flags");
      for (const flag of run.flags) {
        const item = element("li", "is-warning");
        item.dataset.flag = flag.code;
        item.textContent = `⚠ ${flagText(flag)}`;
        flags.append(item);
      }
      this.host.append(flags);
    }
    const details = element("details", "viewer-preprocessing-details");
    details.open = wasOpen || message !== "";
    const summary = element("summary", "");
    summary.textContent = runSummary(run);
    // The outcome of a write first, where the reader looks after pressing a button.
    const status = paragraph("viewer-preprocessing-message", message);
    status.setAttribute("role", "status");
    details.append(summary, status);
    if (run.message) details.append(paragraph("muted", run.message));
    if (run.error) details.append(paragraph("is-error", run.error));
    details.append(this.steps(run));
    const parameters = parametersText(run.parameters);
    if (parameters) details.append(paragraph("muted viewer-preprocessing-parameters", `Parameters: ${parameters}`));
    if (run.rejection) {
      const { by, at, reason } = run.rejection;
      details.append(
        paragraph("viewer-preprocessing-rejection is-error", `Rejected by ${by || "?"} on ${new Date(at).toLocaleString()}: ${reason}`),
      );
    }
    if (this.mayReview) {
      const finished = run.status === "succeeded" || run.status === "failed";
      if (finished && !run.rejection) details.append(this.rejectForm(run));
      details.append(this.rerunForm(run));
    }
    this.host.append(details);
    if (message) status.scrollIntoView({ block: "nearest" });
  }

  private steps(run: ViewerPreprocessing): HTMLElement {
    const list = element("ol", "viewer-preprocessing-steps");
    for (const step of run.steps) {
      const line = stepLine(step);
      const item = element("li", line.skipped ? "muted" : "");
      item.dataset.skipped = String(line.skipped);
      const name = element("strong", "");
      name.textContent = line.name;
      item.append(name, ` ${line.detail}`);
      list.append(item);
    }
    if (run.steps.length === 0) {
      const none = element("li", "muted");
      none.textContent = run.status === "queued" || run.status === "running" ? "Not done yet." : "No step recorded.";
      list.append(none);
    }
    return list;
  }

  private rejectForm(run: ViewerPreprocessing): HTMLFormElement {
    const form = element("form", "viewer-preprocessing-reject");
    const reason = document.createElement("input");
    Object.assign(reason, { name: "reason", required: true, maxLength: 500, placeholder: "Why reject this run? (required)" });
    reason.setAttribute("aria-label", "Reason for rejecting the run");
    const submit = button("Reject run", "submit");
    form.append(reason, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!reason.value.trim()) return;
      void this.write(
        form,
        () => this.api.reject(run.id, reason.value.trim()),
        () => `Run ${run.id} rejected: the models skip this exam until a new run replaces it.`,
      );
    });
    return form;
  }

  private rerunForm(run: ViewerPreprocessing): HTMLElement {
    const start = rerunStart(this.exam, run.parameters);
    const wrapper = element("details", "viewer-preprocessing-rerun");
    const summary = element("summary", "");
    summary.textContent = "Run again with other parameters…";
    const form = element("form", "");
    const reference = document.createElement("select");
    reference.name = "reference";
    for (const [value, text] of REFERENCES) {
      const option = document.createElement("option");
      Object.assign(option, { value, textContent: text, selected: value === start.reference });
      reference.append(option);
    }
    const extraction = checkbox("brain_extraction", start.brain_extraction);
    const threshold = number("brain_threshold", start.brain_threshold, 0.05, 0.95, 0.05);
    const dilate = number("brain_dilate_voxels", start.brain_dilate_voxels, -5, 5, 1);
    const bias = checkbox("bias_correction", start.bias_correction);
    form.append(
      labelled("Reference", reference),
      labelled("Brain extraction", extraction),
      labelled("Brain threshold", threshold),
      labelled("Dilate (voxels)", dilate),
      labelled("Bias correction (N4)", bias),
      button("Run again", "submit"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault(); // the browser checked the fields' ranges before it let the form submit
      const input: Rerun = {
        exam: this.exam,
        reference: reference.value as Rerun["reference"],
        brain_extraction: extraction.checked,
        brain_threshold: Number(threshold.value),
        brain_dilate_voxels: Number(dilate.value),
        bias_correction: bias.checked,
      };
      void this.write(
        form,
        () => this.api.rerun(input),
        (queued) => `Run ${queued.id} queued. The exam's series change when it is done: reload the page then.`,
      );
    });
    wrapper.append(summary, form);
    return wrapper;
  }

  /** Send a write; then show the run as the server now has it, or why it refused (its 409 detail). */
  private async write<Answer>(form: HTMLFormElement, send: () => Promise<Answer>, done: (answer: Answer) => string): Promise<void> {
    const controls = form.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>("button, input, select");
    for (const control of controls) control.disabled = true;
    const say = (text: string, error: boolean): void => {
      const status = this.host.querySelector<HTMLElement>(".viewer-preprocessing-message");
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("is-error", error);
      status.scrollIntoView({ block: "nearest" });
    };
    let answer: Answer;
    try {
      answer = await send();
    } catch (error) {
      for (const control of controls) control.disabled = false;
      say(`Refused: ${error instanceof Error ? error.message : String(error)}`, true);
      return;
    }
    const message = done(answer);
    try {
      this.show(this.exam, await this.reload(), message);
    } catch (error) {
      say(`${message} (The page could not reload the run: ${error instanceof Error ? error.message : String(error)})`, false);
    }
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  return created;
}

function paragraph(className: string, text: string): HTMLParagraphElement {
  const created = element("p", className);
  created.textContent = text;
  return created;
}

function button(text: string, type: "submit" | "button"): HTMLButtonElement {
  const created = element("button", "button");
  created.type = type;
  created.textContent = text;
  return created;
}

function checkbox(name: string, checked: boolean): HTMLInputElement {
  const created = document.createElement("input");
  Object.assign(created, { type: "checkbox", name, checked });
  return created;
}

function number(name: string, value: number, min: number, max: number, step: number): HTMLInputElement {
  const created = document.createElement("input");
  Object.assign(created, { type: "number", name, value: String(value), min: String(min), max: String(max), step: String(step), required: true });
  return created;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = element("label", "");
  label.append(`${text} `, control);
  return label;
}
