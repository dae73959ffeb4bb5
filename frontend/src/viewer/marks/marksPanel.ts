import type { LesionMark, MarkList } from "./marksModel";

/** What the reader does from the list: move the viewer to a mark, start or end marking. */
export interface MarksPanelActions {
  goTo: (mark: LesionMark) => void;
  marking: (on: boolean) => void;
}

const NO_LABEL = "";

/**
 * The lesion marks beside the images: the "Mark lesion" toggle (Shift+m), what marking does now,
 * and one line per mark with its RAS position, its label (where the question has labels),
 * "Go to" and "Remove".
 */
export class MarksPanel {
  readonly toggle: HTMLButtonElement;
  private readonly count: HTMLElement;
  private readonly status: HTMLElement;
  private readonly items: HTMLOListElement;
  private readonly empty: HTMLElement;
  private on = false;

  constructor(
    section: HTMLElement,
    private readonly list: MarkList,
    private readonly actions: MarksPanelActions,
  ) {
    section.innerHTML = `
      <h2 id="viewer-marks-title">Lesion marks <span class="muted viewer-marks-count"></span></h2>
      <button type="button" class="button viewer-marks-toggle" aria-pressed="false" title="Click the current exam's image to mark a lesion (Shift+m)">Mark lesion</button>
      <p class="viewer-marks-status" role="status" aria-live="polite"></p>
      <ol class="viewer-marks-list"></ol>
      <p class="muted viewer-marks-empty">No marks: the answer is none.</p>
      <p class="muted viewer-marks-note">Positions in scanner RAS millimetres.</p>`;
    section.setAttribute("aria-labelledby", "viewer-marks-title");
    section.hidden = false;
    const part = <T extends Element>(selector: string): T => section.querySelector<T>(selector)!;
    this.toggle = part(".viewer-marks-toggle");
    this.count = part(".viewer-marks-count");
    this.status = part(".viewer-marks-status");
    this.items = part(".viewer-marks-list");
    this.empty = part(".viewer-marks-empty");
    this.toggle.addEventListener("click", () => this.setMarking(!this.on));
    list.onChange(() => this.show());
    this.show();
  }

  get marking(): boolean {
    return this.on;
  }

  setMarking(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    this.toggle.setAttribute("aria-pressed", String(on));
    this.actions.marking(on);
    this.sayMode();
  }

  /** A click found the list full: say so, and what to do. */
  refuse(): void {
    this.status.textContent = `The most marks allowed (${this.list.rules.max}) are placed: remove one to mark another lesion.`;
  }

  say(text: string): void {
    this.status.textContent = text;
  }

  private show(): void {
    const { marks, rules } = this.list;
    this.count.textContent = rules.max === undefined ? `(${marks.length})` : `(${marks.length} of at most ${rules.max})`;
    this.items.replaceChildren(...marks.map((mark, index) => this.item(mark, index)));
    this.empty.hidden = marks.length > 0;
    this.sayMode();
  }

  private sayMode(): void {
    if (this.on && this.list.full) this.refuse();
    else if (this.on) this.status.textContent = "Click the current exam's image at a lesion to mark it; Shift+m or Esc ends marking.";
    else this.status.textContent = "";
  }

  private item(mark: LesionMark, index: number): HTMLLIElement {
    const number = index + 1;
    const item = document.createElement("li");
    item.dataset.mark = String(number);
    const text = document.createElement("span");
    text.textContent = `Mark ${number}: ${mark.positionMm.map((mm) => mm.toFixed(1)).join(", ")} mm`;
    item.append(text);
    if (this.list.rules.labels.length > 0) item.append(this.labelSelect(mark, index, number));
    item.append(
      button("Go to", `Show mark ${number} in every panel`, () => this.actions.goTo(mark)),
      button("Remove", `Remove mark ${number}`, () => this.list.remove(index)),
    );
    return item;
  }

  private labelSelect(mark: LesionMark, index: number, number: number): HTMLSelectElement {
    const select = document.createElement("select");
    select.name = `mark-${number}-label`;
    select.setAttribute("aria-label", `Label of mark ${number}`);
    select.append(option("no label", NO_LABEL), ...this.list.rules.labels.map((label) => option(label, label)));
    select.value = mark.label ?? NO_LABEL;
    select.addEventListener("change", () => this.list.setLabel(index, select.value === NO_LABEL ? undefined : select.value));
    return select;
  }
}

function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const created = document.createElement("button");
  created.type = "button";
  created.className = "button";
  created.textContent = text;
  created.title = title;
  created.addEventListener("click", onClick);
  return created;
}

function option(text: string, value: string): HTMLOptionElement {
  const created = document.createElement("option");
  created.textContent = text;
  created.value = value;
  return created;
}
