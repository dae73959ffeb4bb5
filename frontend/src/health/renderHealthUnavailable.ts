import { requireElement } from "../dom/requireElement";
import { setBadge } from "../dom/setBadge";
import { stateBadge } from "./stateBadge";

/**
 * Mark every check of a `table[data-health]` as Unknown when the health endpoint
 * itself cannot be read: stale green badges would claim a health nobody measured.
 */
export function renderHealthUnavailable(table: HTMLElement, reason: string): void {
  for (const row of table.querySelectorAll<HTMLElement>("tr[data-check]")) {
    setBadge(stateBadge(row), "Unknown", "muted");
    requireElement(row, "td[data-detail]").textContent = `Health endpoint unreachable (${reason}); retrying.`;
  }
  delete table.dataset.ok;
  table.classList.add("is-stale");
}
