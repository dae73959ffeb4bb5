import { progressSocket } from "../job/progressSocket";
import type { CaseAlarmState } from "./alarms";

/**
 * Follow the patient's alarm state live. The server sends it whole on connect and on every
 * change (an alarm raised or cleared, a verdict), so a reconnection (with backoff) loses
 * nothing. Returns a closer.
 */
export function followAlarms(
  url: string,
  onAlarms: (message: CaseAlarmState) => void,
  onGiveUp: () => void,
  createSocket?: (url: string) => WebSocket,
): () => void {
  return progressSocket<CaseAlarmState>({
    url,
    onMessage: (message) => {
      if (Array.isArray(message.alarms)) onAlarms(message);
    },
    isFinal: () => false,
    onGiveUp,
    maxRetries: 8,
    createSocket,
  });
}
