export interface PollJsonOptions<Data> {
  url: string;
  intervalMs: number;
  onData: (data: Data) => void;
  onError: (error: Error) => void;
  fetchImpl?: typeof fetch;
}

/**
 * Fetch `url` as JSON now, then `intervalMs` after each answer, so that no two requests
 * are ever in flight. An HTTP error status that carries JSON still goes to `onData`
 * (a health endpoint answers 503 with the failing checks); a network failure or an
 * answer that is not JSON (a login page after the session expired) goes to `onError`.
 * Returns a function that stops polling and aborts a request in flight.
 */
export function pollJson<Data>({
  url,
  intervalMs,
  onData,
  onError,
  fetchImpl = (input, init) => fetch(input, init),
}: PollJsonOptions<Data>): () => void {
  const controller = new AbortController();
  let next: ReturnType<typeof setTimeout> | undefined;

  const poll = async (): Promise<void> => {
    try {
      const response = await fetchImpl(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      if (!(response.headers.get("Content-Type") ?? "").includes("json")) {
        throw new Error(`HTTP ${response.status} without JSON; are you still signed in?`);
      }
      const data = (await response.json()) as Data;
      if (!controller.signal.aborted) onData(data);
    } catch (error) {
      if (!controller.signal.aborted) onError(error instanceof Error ? error : new Error(String(error)));
    }
    if (!controller.signal.aborted) next = setTimeout(() => void poll(), intervalMs);
  };

  void poll();
  return () => {
    controller.abort();
    clearTimeout(next);
  };
}
