import { progressSocket } from "../job/progressSocket";
import type { AlarmSocketMessage } from "../types/ViewerManifest";

/**
 * Follow the patient's open alarms live. The server sends the full list on connect and
 * on every change, so a reconnection (with backoff) loses nothing. Returns a closer.
 */
export function followAlarms(
  url: string,
  onAlarms: (message: AlarmSocketMessage) => void,
  onGiveUp: () => void,
  createSocket?: (url: string) => WebSocket,
): () => void {
  return progressSocket<AlarmSocketMessage>({
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
