import { requireElement } from "../dom/requireElement";
import type { ImportJobMessage } from "../types/ImportJobMessage";
import { progressSocket } from "./progressSocket";
import type { ProgressSocketOptions } from "./progressSocket";
import { renderImportJob } from "./renderImportJob";
import { socketUrl } from "./socketUrl";

const CONNECTION_LOST = "Connection lost — reload the page to see the current status.";

type SocketTuning = Pick<ProgressSocketOptions<ImportJobMessage>, "createSocket" | "maxRetries" | "retryDelayMs">;

/**
 * Keep a `section[data-import-job]` up to date from the WebSocket at its
 * `data-ws-path` until the job succeeds or fails. Returns a function that stops it.
 */
export function followImportJob(section: HTMLElement, tuning: SocketTuning = {}): () => void {
  const path = section.dataset.wsPath;
  if (!path) throw new Error("NeuroReview: section[data-import-job] has no data-ws-path");
  return progressSocket<ImportJobMessage>({
    ...tuning,
    url: socketUrl(path, window.location),
    onMessage: (update) => renderImportJob(section, update),
    isFinal: (update) => update.status === "succeeded" || update.status === "failed",
    onGiveUp: () => {
      requireElement(section, "[data-message]").textContent = CONNECTION_LOST;
    },
  });
}
