import { describe, expect, it, vi } from "vitest";
import { postOnce } from "../src/net/postOnce";

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const keyOf = (fetcher: ReturnType<typeof vi.fn>, call: number): string =>
  ((fetcher.mock.calls[call]! as unknown as [string, RequestInit])[1].headers as Record<string, string>)["Idempotency-Key"]!;

describe("postOnce", () => {
  it("sends a write again after a 503 with the same Idempotency-Key", async () => {
    const fetcher = vi.fn().mockResolvedValueOnce(answer(503, { detail: "database restarting" })).mockResolvedValueOnce(answer(201, { id: 7 }));
    const post = postOnce(undefined, fetcher);
    await expect(post("/api/x/", { grade: 4 })).rejects.toMatchObject({ status: 503 });
    await expect(post("/api/x/", { grade: 4 })).resolves.toEqual({ id: 7 });
    expect(keyOf(fetcher, 0)).toMatch(/^[0-9a-f]{32}$/);
    expect(keyOf(fetcher, 1)).toBe(keyOf(fetcher, 0));
  });

  it("keeps the key when the connection was lost before any answer", async () => {
    const fetcher = vi.fn().mockRejectedValueOnce(new TypeError("Failed to fetch")).mockResolvedValueOnce(answer(201, { id: 7 }));
    const post = postOnce(undefined, fetcher);
    await expect(post("/api/x/", { grade: 4 })).rejects.toThrow("Failed to fetch");
    await post("/api/x/", { grade: 4 });
    expect(keyOf(fetcher, 1)).toBe(keyOf(fetcher, 0));
  });

  it("gives the same write a new key once it has landed", async () => {
    const fetcher = vi.fn(async () => answer(201, { id: 7 }));
    const post = postOnce(undefined, fetcher);
    await post("/api/x/", { grade: 4 });
    await post("/api/x/", { grade: 4 });
    expect(keyOf(fetcher, 1)).not.toBe(keyOf(fetcher, 0));
  });

  it("gives another write its own key", async () => {
    const fetcher = vi.fn().mockResolvedValue(answer(503, {}));
    const post = postOnce(undefined, fetcher);
    await post("/api/x/", { grade: 4 }).catch(() => undefined);
    await post("/api/x/", { grade: 3 }).catch(() => undefined);
    expect(keyOf(fetcher, 1)).not.toBe(keyOf(fetcher, 0));
  });

  it("counts writes the same by what the caller says matters", async () => {
    const fetcher = vi.fn().mockResolvedValue(answer(503, {}));
    const post = postOnce((url, body) => `${url} ${(body as { grade: number }).grade}`, fetcher);
    await post("/api/x/", { grade: 4, reading_time_ms: 1000 }).catch(() => undefined);
    await post("/api/x/", { grade: 4, reading_time_ms: 5000 }).catch(() => undefined);
    expect(keyOf(fetcher, 1)).toBe(keyOf(fetcher, 0));
  });
});
