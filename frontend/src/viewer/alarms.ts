import type { components } from "../types/api";

type Schemas = components["schemas"];

/** A case's alarm state: what GET /api/cases/<pseudonym>/alarms/ and the case's alarm socket send. */
export type CaseAlarmState = Schemas["CaseAlarmState"];
export type Alarm = Schemas["Alarm"];
export type ExamAlarmLine = Schemas["ExamAlarmLine"];
export type AlarmVerdict = Schemas["AlarmVerdict"];

/**
 * One `li[data-alarm-id]` per alarm: kind, reason, the evidence folded away in a <details>,
 * and the alarm's latest verdict, with the true/false alarm buttons unless read-only (no `onJudge`).
 */
export function alarmItem(alarm: Alarm, onJudge: ((alarm: Alarm, trueAlarm: boolean) => void) | undefined): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.alarmId = String(alarm.id);
  item.dataset.kind = alarm.kind;
  if (alarm.verdict) item.dataset.verdict = String(alarm.verdict.true_alarm);
  const kind = document.createElement("strong");
  kind.textContent = alarm.kind_display;
  const reason = document.createElement("span");
  reason.textContent = ` ${alarm.reason}`;
  item.append(kind, reason, evidenceDetails(alarm.evidence as Record<string, unknown>), verdictControls(alarm, onJudge));
  return item;
}

function verdictControls(alarm: Alarm, onJudge: ((alarm: Alarm, trueAlarm: boolean) => void) | undefined): HTMLElement {
  const controls = document.createElement("div");
  controls.className = "viewer-alarm-verdict";
  if (onJudge) controls.append(...verdictButtons(alarm, onJudge));
  const verdict = alarm.verdict;
  if (verdict) {
    const who = document.createElement("span");
    who.className = "muted";
    who.textContent = `${verdict.true_alarm ? "true" : "false"} alarm by ${verdict.reader_name}, ${new Date(verdict.created_at).toLocaleString()}`;
    controls.append(who);
  }
  return controls;
}

function verdictButtons(alarm: Alarm, onJudge: (alarm: Alarm, trueAlarm: boolean) => void): HTMLButtonElement[] {
  return VERDICT_BUTTONS.map(([trueAlarm, text]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.dataset.trueAlarm = String(trueAlarm);
    button.textContent = text;
    button.setAttribute("aria-pressed", String(alarm.verdict?.true_alarm === trueAlarm));
    button.addEventListener("click", () => onJudge(alarm, trueAlarm));
    return button;
  });
}

const VERDICT_BUTTONS = [
  [true, "True alarm"],
  [false, "False alarm"],
] as const;

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
