import { requireElement } from "../dom/requireElement";
import type { JobMessage } from "../types/JobMessage";
import { progressSocket } from "./progressSocket";
import type { ProgressSocketOptions } from "./progressSocket";
import { renderJob } from "./renderJob";
import { socketUrl } from "./socketUrl";

const CONNECTION_LOST = "Connection lost — reload the page to see the current status.";

type SocketTuning = Pick<ProgressSocketOptions<JobMessage>, "createSocket" | "maxRetries" | "retryDelayMs">;

/**
 * Keep a `section[data-job]` up to date from the WebSocket at its
 * `data-ws-path` until the job succeeds or fails. Returns a function that stops it.
 */
export function followJob(section: HTMLElement, tuning: SocketTuning = {}): () => void {
  const path = section.dataset.wsPath;
  if (!path) throw new Error("NeuroReview: section[data-job] has no data-ws-path");
  return progressSocket<JobMessage>({
    ...tuning,
    url: socketUrl(path, window.location),
    onMessage: (update) => renderJob(section, update),
    isFinal: (update) => update.status === "succeeded" || update.status === "failed",
    onGiveUp: () => {
      requireElement(section, "[data-message]").textContent = CONNECTION_LOST;
    },
  });
}
