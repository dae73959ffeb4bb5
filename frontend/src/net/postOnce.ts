import { ApiError, apiJson } from "./apiJson";

/** What decides that two POSTs are the same write (a write without the fields that change on a resend). */
export type SameWrite = (url: string, body: unknown) => string;

const wholeBody: SameWrite = (url, body) => `${url} ${JSON.stringify(body)}`;

/**
 * A POST the server stores once however often it is sent (reviewer/core/idempotency.py). Each
 * write gets an Idempotency-Key that it keeps while its outcome is unknown (the connection was
 * lost, or the server answered 5xx, e.g. 503 while its database restarted): pressing Save again
 * sends the same key, and the server answers with what it stored, never a second row. Once the
 * server has answered (a success or a refusal), the same write sent later is a new one.
 */
export function postOnce(sameWrite: SameWrite = wholeBody, fetcher: typeof fetch = (...args) => fetch(...args)) {
  const unsettled = new Map<string, string>();
  return async <Answer>(url: string, body: unknown): Promise<Answer> => {
    const write = sameWrite(url, body);
    const key = unsettled.get(write) ?? newKey();
    unsettled.set(write, key);
    try {
      const answer = await apiJson<Answer>(url, body, fetcher, key);
      unsettled.delete(write);
      return answer;
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) unsettled.delete(write);
      throw error;
    }
  };
}

/** 128 random bits as hex: crypto.randomUUID exists only on HTTPS pages, getRandomValues everywhere. */
function newKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
