import type { ViewerExam, ViewerLesion } from "../types/ViewerManifest";

/**
 * Fill the lesion table: one `tr[data-lesion-id]` per lesion in reading order, with its
 * volume in mL now and at each prior (newest first), and its change against the previous exam.
 * A click on a row calls `onPick` with its position.
 */
export function renderLesionPanel(
  table: HTMLTableElement,
  lesions: readonly ViewerLesion[],
  priors: readonly Pick<ViewerExam, "id" | "date">[],
  onPick: (position: number) => void,
): void {
  const headingTexts = ["#", "Label", "mL", ...priors.map(priorHeading), "Δ mL", "Δ %", ""];
  const lastNumeric = 4 + priors.length; // mL now, at each prior, Δ mL, Δ %
  const head = table.createTHead();
  head.replaceChildren();
  const headings = head.insertRow();
  for (const text of headingTexts) {
    const cell = document.createElement("th");
    cell.textContent = text;
    headings.append(cell);
  }
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren();
  lesions.forEach((lesion, position) => {
    const row = body.insertRow();
    row.dataset.lesionId = String(lesion.id);
    row.tabIndex = -1;
    if (lesion.new) row.classList.add("is-new");
    const change = lesion.change;
    const cells = [
      String(lesion.index),
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
    row.addEventListener("click", () => onPick(position));
  });
  if (lesions.length === 0) {
    const cell = body.insertRow().insertCell();
    cell.colSpan = headingTexts.length;
    cell.className = "muted";
    cell.textContent = "No lesions in this segmentation";
  }
}

/** Mark the row at `position` as the one the panels show. */
export function selectLesionRow(table: HTMLTableElement, position: number): void {
  const rows = table.querySelectorAll<HTMLTableRowElement>("tr[data-lesion-id]");
  rows.forEach((row, index) => row.setAttribute("aria-selected", String(index === position)));
  rows[position]?.scrollIntoView({ block: "nearest" });
}

const priorHeading = (prior: Pick<ViewerExam, "date">): string => `mL ${prior.date ?? "undated"}`;

function priorVolume(lesion: ViewerLesion, exam: number): string {
  const volume = lesion.prior_volumes.find((entry) => entry.exam === exam)?.volume_ml;
  return volume == null ? "–" : volume.toFixed(2);
}

const signed = (value: number, digits: number): string => `${value > 0 ? "+" : ""}${value.toFixed(digits)}`;
