/**
 * An API answer that was not a success: its status and what the server said, so a form can
 * show the message (a stale form's 409, a 400 naming the field) instead of a bare code.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(apiMessage(status, body));
  }
}

/** DRF's answers: {"detail": "..."} or {"field": ["...", ...], ...}. */
function apiMessage(status: number, body: unknown): string {
  if (body && typeof body === "object") {
    const entries = Object.entries(body as Record<string, unknown>);
    const detail = (body as { detail?: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (entries.length > 0) {
      return entries
        .map(([field, problems]) => {
          const text = Array.isArray(problems) ? problems.join(" ") : String(problems);
          return field === "non_field_errors" ? text : `${field}: ${text}`;
        })
        .join("; ");
    }
  }
  return `the server answered ${status}`;
}

/** Django's CSRF token, from the cookie it sets on every page with a form (CSRF_COOKIE_HTTPONLY is off for this). */
export function csrfToken(cookies: string = document.cookie): string {
  const entry = cookies.split("; ").find((part) => part.startsWith("csrftoken="));
  return entry ? decodeURIComponent(entry.slice("csrftoken=".length)) : "";
}

/**
 * GET (no body) or POST (a body) JSON to the session-authenticated API; the answer's JSON,
 * or an ApiError. A POST carries the CSRF token, as SessionAuthentication requires, and the
 * Idempotency-Key when one is given (see postOnce).
 */
export async function apiJson<Answer>(
  url: string,
  body?: unknown,
  fetcher: typeof fetch = fetch,
  idempotencyKey?: string,
): Promise<Answer> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const init: RequestInit = { credentials: "same-origin", headers };
  if (body !== undefined) {
    init.method = "POST";
    init.body = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrfToken();
    if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
  }
  const response = await fetcher(url, init);
  const json: unknown = (response.headers.get("Content-Type") ?? "").includes("json") ? await response.json() : undefined;
  if (!response.ok) throw new ApiError(response.status, json);
  if (json === undefined) throw new ApiError(response.status, { detail: `${url} answered without JSON; are you still signed in?` });
  return json as Answer;
}
