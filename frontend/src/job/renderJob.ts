import { requireElement } from "../dom/requireElement";
import { setBadge } from "../dom/setBadge";
import type { BadgeTone } from "../types/BadgeTone";
import type { JobMessage } from "../types/JobMessage";

const STATUS_BADGES: Record<JobMessage["status"], [label: string, tone: BadgeTone]> = {
  queued: ["Queued", "muted"],
  running: ["Running", "info"],
  succeeded: ["Succeeded", "ok"],
  failed: ["Failed", "bad"],
};

/**
 * Show one job update in its `section[data-job]`: progress bar, status badge and
 * message; on success the links to the patients it created or updated; on failure
 * the error, announced to screen readers, with `is-error` on the section.
 * An update with an unknown status is ignored.
 */
export function renderJob(section: HTMLElement, update: JobMessage): void {
  if (!Object.hasOwn(STATUS_BADGES, update.status)) return;
  const [label, tone] = STATUS_BADGES[update.status];
  const failed = update.status === "failed";
  const messageElement = requireElement(section, "[data-message]");

  section.dataset.state = update.status;
  section.classList.toggle("is-error", failed);
  requireElement<HTMLProgressElement>(section, "[data-progress]").value = clampPercent(update.progress);
  setBadge(requireElement(section, "[data-status]"), label, tone);
  messageElement.textContent = failed ? update.error || update.message : update.message;
  if (failed) messageElement.setAttribute("role", "alert");
  else messageElement.removeAttribute("role");
  if (update.status === "succeeded") {
    requireElement(section, "[data-result]").replaceChildren(...(update.patients ?? []).map(patientItem));
  }
}

function patientItem({ pseudonym, url }: { pseudonym: string; url: string }): HTMLLIElement {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.textContent = pseudonym;
  // Only same-site paths: a message must never be able to plant a javascript: link.
  if (url.startsWith("/") && !url.startsWith("//")) link.href = url;
  item.append(link);
  return item;
}

function clampPercent(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}
