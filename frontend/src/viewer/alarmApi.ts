import { apiJson } from "../net/apiJson";
import { postOnce } from "../net/postOnce";
import type { AlarmVerdict, CaseAlarmState } from "./alarms";

const post = postOnce();

/** The alarm endpoints the viewer uses (reviewer/alarms/api.py). */
export const alarmApi = {
  /** A patient's alarm state, as the case's alarm socket sends it. */
  state: (pseudonym: string): Promise<CaseAlarmState> => apiJson(`/api/cases/${encodeURIComponent(pseudonym)}/alarms/`),
  /**
   * Mark an alarm a true or a false alarm. Verdicts are append-only: a change of mind
   * supersedes the alarm's latest verdict, the one the reader saw.
   */
  judge: (alarm: number, trueAlarm: boolean, supersedes: number | null): Promise<AlarmVerdict> =>
    post(`/api/alarms/${alarm}/verdicts/`, { true_alarm: trueAlarm, supersedes }),
};

export type AlarmApi = typeof alarmApi;
