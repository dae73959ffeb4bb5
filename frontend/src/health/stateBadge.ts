import { requireElement } from "../dom/requireElement";

/** The `.badge` inside a health row's `td[data-state]`, created on first use. */
export function stateBadge(row: HTMLElement): HTMLElement {
  const cell = requireElement(row, "td[data-state]");
  const existing = cell.querySelector<HTMLElement>(".badge");
  if (existing !== null) return existing;
  const badge = document.createElement("span");
  cell.replaceChildren(badge);
  return badge;
}
