import { requireElement } from "../dom/requireElement";
import type { JobMessage } from "../types/JobMessage";
import { progressSocket } from "./progressSocket";
import type { ProgressSocketOptions } from "./progressSocket";
import { renderJob } from "./renderJob";
import { socketUrl } from "./socketUrl";

const CONNECTION_LOST = "Connection lost — reload the page to see the current status.";

type SocketTuning = Pick<ProgressSocketOptions<JobMessage>, "createSocket" | "maxRetries" | "retryDelayMs">;

const isFinal = (update: JobMessage): boolean => update.status === "succeeded" || update.status === "failed";

/**
 * Keep a `section[data-job]` up to date from the WebSocket at its
 * `data-ws-path` until the job succeeds or fails, then call `onFinal` with the last update.
 * Returns a function that stops it.
 */
export function followJob(section: HTMLElement, tuning: SocketTuning = {}, onFinal?: (update: JobMessage) => void): () => void {
  const path = section.dataset.wsPath;
  if (!path) throw new Error("NeuroReview: section[data-job] has no data-ws-path");
  return progressSocket<JobMessage>({
    ...tuning,
    url: socketUrl(path, window.location),
    onMessage: (update) => {
      renderJob(section, update);
      if (isFinal(update)) onFinal?.(update);
    },
    isFinal,
    onGiveUp: () => {
      requireElement(section, "[data-message]").textContent = CONNECTION_LOST;
    },
  });
}
