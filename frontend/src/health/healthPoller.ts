import { pollJson } from "../net/pollJson";
import type { HealthReport } from "../types/HealthReport";
import { renderHealth } from "./renderHealth";
import { renderHealthUnavailable } from "./renderHealthUnavailable";

export interface HealthPollerOptions {
  intervalMs?: number;
  fetchImpl?: typeof fetch;
}

/**
 * Keep a `table[data-health]` current by polling its `data-url`.
 * Returns a function that stops polling.
 */
export function healthPoller(table: HTMLElement, { intervalMs = 5000, fetchImpl }: HealthPollerOptions = {}): () => void {
  const url = table.dataset.url;
  if (!url) throw new Error("NeuroReview: table[data-health] has no data-url");
  return pollJson<HealthReport>({
    url,
    intervalMs,
    fetchImpl,
    onData: (report) => renderHealth(table, report),
    onError: (error) => renderHealthUnavailable(table, error.message),
  });
}
