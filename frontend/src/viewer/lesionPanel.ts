import type { ViewerExam, ViewerLesion } from "../types/ViewerManifest";
import type { LesionVerdict } from "./gradingApi";
import type { VerdictBook } from "./lesionVerdicts";

/**
 * Fill the lesion table: one `tr[data-lesion-id]` per lesion in reading order, with its
 * volume in mL now and at each prior (newest first), its change against the previous exam,
 * and whether it is new; the first cell also carries the reader's verdict (markVerdicts),
 * where the eye starts. A click on a row calls `onPick` with its position.
 */
export function renderLesionPanel(
  table: HTMLTableElement,
  lesions: readonly ViewerLesion[],
  priors: readonly Pick<ViewerExam, "id" | "date">[],
  onPick: (position: number) => void,
  /** What an empty table says. */
  none = "No lesions in this segmentation",
): void {
  // The priors as EASE names them, t−1 the newest; their dates in the tooltip.
  const headingTexts = ["#", "Label", "mL", ...priors.map((_, n) => `mL\nt−${n + 1}`), "Δ mL", "Δ %", ""];
  const headingTitles = ["", "", "", ...priors.map((prior, n) => `mL at t−${n + 1}, ${prior.date ?? "undated"}`), "Against t−1", "", ""];
  const lastNumeric = 4 + priors.length; // mL now, at each prior, Δ mL, Δ %
  const head = table.createTHead();
  head.replaceChildren();
  const headings = head.insertRow();
  headingTexts.forEach((text, column) => {
    const cell = document.createElement("th");
    cell.textContent = text;
    if (headingTitles[column]) cell.title = headingTitles[column]!;
    headings.append(cell);
  });
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren();
  lesions.forEach((lesion, position) => {
    const row = body.insertRow();
    row.dataset.lesionId = String(lesion.id);
    row.tabIndex = -1;
    if (lesion.new) row.classList.add("is-new");
    const change = lesion.change;
    const cells = [
      "",
      lesion.label_name,
      lesion.volume_ml.toFixed(2),
      ...priors.map((prior) => priorVolume(lesion, prior.id)),
      change ? signed(change.delta_ml, 2) : "–",
      change ? `${signed(change.delta_percent, 0)}%` : "–",
      lesion.new ? "new" : "",
    ];
    cells.forEach((text, column) => {
      const cell = row.insertCell();
      cell.textContent = text;
      if (column >= 2 && column <= lastNumeric) cell.className = "num";
    });
    const number = row.cells[0]!;
    number.className = "verdict";
    number.append(document.createElement("span"), String(lesion.index));
    row.addEventListener("click", () => onPick(position));
  });
  if (lesions.length === 0) {
    const cell = body.insertRow().insertCell();
    cell.colSpan = headingTexts.length;
    cell.className = "muted";
    cell.textContent = none;
  }
  (table.tBodies[1] ?? table.createTBody()).replaceChildren();
}

const DECISION_MARK: Record<string, string> = { accepted: "✓", rejected: "✗" };

/** Show where each lesion's verdict stands (`tr[data-decision]`, a mark by its number), and who gave it. */
export function markVerdicts(table: HTMLTableElement, book: VerdictBook): void {
  for (const row of table.querySelectorAll<HTMLTableRowElement>("tr[data-lesion-id]")) {
    const lesion = Number(row.dataset.lesionId);
    const decision = book.decision(lesion);
    const cell = row.cells[0]!;
    const mark = cell.querySelector("span")!;
    if (decision) {
      const verdict = book.standing(lesion)!;
      row.dataset.decision = decision;
      mark.textContent = DECISION_MARK[decision]!;
      cell.title = `${decision === "rejected" ? "rejected (false positive)" : decision} by ${verdict.reader_name}, ${new Date(verdict.created_at).toLocaleString()}`;
    } else {
      delete row.dataset.decision;
      mark.textContent = "";
      cell.title = "";
    }
  }
}

/**
 * List the lesions readers added (missed by the segmentation) below the others, one
 * `tr[data-added-verdict]` each; a click calls `onPick` with the verdict.
 */
export function renderAddedLesions(
  table: HTMLTableElement,
  added: readonly LesionVerdict[],
  onPick: (verdict: LesionVerdict) => void,
): void {
  const body = table.tBodies[1] ?? table.createTBody();
  body.replaceChildren();
  const columns = table.querySelectorAll("thead th").length;
  added.forEach((verdict, number) => {
    const row = body.insertRow();
    row.dataset.addedVerdict = String(verdict.id);
    row.className = "is-added";
    const name = row.insertCell();
    name.textContent = `+${number + 1}`;
    const what = row.insertCell();
    what.colSpan = columns - 1;
    what.textContent = `added (missed) by ${verdict.reader_name}`;
    row.addEventListener("click", () => onPick(verdict));
  });
}

/** Mark the row at `position` as the one the panels show (−1: none). */
export function selectLesionRow(table: HTMLTableElement, position: number): void {
  const rows = table.querySelectorAll<HTMLTableRowElement>("tr[data-lesion-id]");
  rows.forEach((row, index) => row.setAttribute("aria-selected", String(index === position)));
  rows[position]?.scrollIntoView({ block: "nearest" });
}

function priorVolume(lesion: ViewerLesion, exam: number): string {
  const volume = lesion.prior_volumes.find((entry) => entry.exam === exam)?.volume_ml;
  return volume == null ? "–" : volume.toFixed(2);
}

const signed = (value: number, digits: number): string => `${value > 0 ? "+" : ""}${value.toFixed(digits)}`;
