import type { ViewerAlarm } from "../types/ViewerManifest";

/**
 * Show the open alarms of the shown exams in the alarm header, one `li[data-alarm-id]`
 * each: kind, reason, exam, and the evidence folded away in a <details>.
 */
export function renderAlarms(list: HTMLElement, alarms: readonly ViewerAlarm[], examLabels: Map<number, string>): void {
  const shown = alarms.filter((alarm) => examLabels.has(alarm.exam));
  list.replaceChildren(...shown.map((alarm) => alarmItem(alarm, examLabels.get(alarm.exam)!)));
  if (shown.length === 0) {
    const none = document.createElement("li");
    none.className = "muted";
    none.textContent = "No open alarms";
    list.append(none);
  }
}

function alarmItem(alarm: ViewerAlarm, examLabel: string): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.alarmId = String(alarm.id);
  item.dataset.kind = alarm.kind;
  const kind = document.createElement("strong");
  kind.textContent = alarm.kind_display;
  const reason = document.createElement("span");
  reason.textContent = ` ${alarm.reason} `;
  const exam = document.createElement("span");
  exam.className = "muted";
  exam.textContent = `(${examLabel})`;
  item.append(kind, reason, exam, evidenceDetails(alarm.evidence));
  return item;
}

function evidenceDetails(evidence: Record<string, unknown>): HTMLDetailsElement {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "Evidence";
  const list = document.createElement("dl");
  for (const [key, value] of Object.entries(evidence)) {
    const term = document.createElement("dt");
    term.textContent = key;
    const description = document.createElement("dd");
    description.textContent = typeof value === "string" ? value : JSON.stringify(value);
    list.append(term, description);
  }
  details.append(summary, list);
  return details;
}
