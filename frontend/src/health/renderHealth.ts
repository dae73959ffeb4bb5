import { requireElement } from "../dom/requireElement";
import { setBadge } from "../dom/setBadge";
import type { HealthReport } from "../types/HealthReport";
import { stateBadge } from "./stateBadge";

/**
 * Show a health report in its `table[data-health]`: for every `tr[data-check]`, an
 * OK or Failing badge and the check's detail. A check the report leaves out shows as
 * Unknown, so a renamed check cannot pass silently.
 */
export function renderHealth(table: HTMLElement, report: HealthReport): void {
  for (const row of table.querySelectorAll<HTMLElement>("tr[data-check]")) {
    const check = report.checks[row.dataset.check ?? ""];
    const badge = stateBadge(row);
    if (check === undefined) setBadge(badge, "Unknown", "muted");
    else setBadge(badge, check.ok ? "OK" : "Failing", check.ok ? "ok" : "bad");
    requireElement(row, "td[data-detail]").textContent = check?.detail ?? "Not reported by the server.";
  }
  table.dataset.ok = String(report.ok);
  table.classList.remove("is-stale");
}
