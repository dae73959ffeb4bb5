import { describe, expect, it, vi } from "vitest";
import { ApiError, apiJson, csrfToken } from "../src/net/apiJson";

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("apiJson", () => {
  it("posts JSON with the CSRF token from Django's cookie", async () => {
    document.cookie = "csrftoken=abc123";
    const fetcher = vi.fn(async () => answer(201, { id: 4 }));
    await expect(apiJson("/api/x/", { a: 1 }, fetcher)).resolves.toEqual({ id: 4 });
    const [url, init] = fetcher.mock.calls[0]! as unknown as [string, RequestInit];
    expect(url).toBe("/api/x/");
    expect(init.method).toBe("POST");
    expect(init.body).toBe('{"a":1}');
    expect(init.headers).toMatchObject({ "X-CSRFToken": "abc123", "Content-Type": "application/json" });
  });

  it("says what the server said: its detail, or each field and its problems", async () => {
    const detail = apiJson("/api/x/", {}, async () => answer(409, { detail: "someone graded meanwhile" }));
    await expect(detail).rejects.toMatchObject({ status: 409, message: "someone graded meanwhile" });
    const fields = apiJson("/api/x/", {}, async () => answer(400, { grade: ["Ensure this value is less than or equal to 5."] }));
    await expect(fields).rejects.toThrow("grade: Ensure this value is less than or equal to 5.");
    await expect(fields).rejects.toBeInstanceOf(ApiError);
  });

  it("refuses an answer without JSON (a login page after the session ended)", async () => {
    const html = async () => new Response("<html>", { status: 200, headers: { "Content-Type": "text/html" } });
    await expect(apiJson("/api/x/", undefined, html)).rejects.toThrow(/still signed in/);
  });
});

describe("csrfToken", () => {
  it("reads the csrftoken cookie among others", () => {
    expect(csrfToken("sessionid=1; csrftoken=t%2Bk; other=2")).toBe("t+k");
    expect(csrfToken("sessionid=1")).toBe("");
  });
});
