import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { healthPoller } from "../src/health/healthPoller";

const CHECKS = ["database", "broker", "worker_gpu"];

function healthTable(): HTMLElement {
  document.body.innerHTML = `<table data-health data-url="/health/?format=json"><tbody>${CHECKS.map(
    (name) => `<tr data-check="${name}"><th>${name}</th><td data-state></td><td data-detail></td></tr>`,
  ).join("")}</tbody></table>`;
  return document.querySelector<HTMLElement>("table")!;
}

function jsonAnswer(body: object, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const badge = (check: string): Element => document.querySelector(`[data-check=${check}] [data-state] .badge`)!;
const detail = (check: string): string => document.querySelector(`[data-check=${check}] [data-detail]`)!.textContent ?? "";

describe("healthPoller", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fetches the table's URL as JSON with the session's credentials", async () => {
    const fetchImpl = vi.fn(async () => jsonAnswer({ ok: true, checks: {} }));
    healthPoller(healthTable(), { fetchImpl });
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchImpl).toHaveBeenCalledWith("/health/?format=json", expect.objectContaining({
      credentials: "same-origin", headers: { Accept: "application/json" },
    }));
  });

  it("shows each check's state as a badge and its detail, including in a 503 answer", async () => {
    const fetchImpl = vi.fn(async () => jsonAnswer({
      ok: false,
      checks: { database: { ok: true, detail: "PostgreSQL 15" }, broker: { ok: false, detail: "Redis refused" } },
    }, 503));
    healthPoller(healthTable(), { fetchImpl });
    await vi.advanceTimersByTimeAsync(0);
    expect(badge("database").className).toBe("badge badge-ok");
    expect(badge("broker").className).toBe("badge badge-bad");
    expect(detail("broker")).toBe("Redis refused");
    expect(badge("worker_gpu").textContent).toBe("Unknown");
  });

  it("polls again every 5 seconds and turns a recovered check green", async () => {
    const fetchImpl = vi.fn()
      .mockResolvedValueOnce(jsonAnswer({ ok: false, checks: { broker: { ok: false, detail: "down" } } }))
      .mockResolvedValueOnce(jsonAnswer({ ok: true, checks: { broker: { ok: true, detail: "PONG" } } }));
    healthPoller(healthTable(), { fetchImpl });
    await vi.advanceTimersByTimeAsync(4999);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect(badge("broker").classList).toContain("badge-ok");
  });

  it("marks every check unknown when the health endpoint cannot be reached", async () => {
    const table = healthTable();
    healthPoller(table, { fetchImpl: vi.fn().mockRejectedValue(new TypeError("Failed to fetch")) });
    await vi.advanceTimersByTimeAsync(0);
    expect(badge("database").classList).toContain("badge-muted");
    expect(detail("database")).toContain("Failed to fetch");
    expect(table.classList).toContain("is-stale");
  });
});
