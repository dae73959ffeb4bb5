import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { followJob } from "../src/job/followJob";
import { socketUrl } from "../src/job/socketUrl";

/** Stands in for the browser's WebSocket; the test plays the server. */
class FakeSocket extends EventTarget {
  closed = false;
  constructor(readonly url: string) {
    super();
  }
  send(update: object): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(update) }));
  }
  drop(): void {
    this.dispatchEvent(new Event("close"));
  }
  close(): void {
    this.closed = true;
  }
}

let sockets: FakeSocket[];
const latest = (): FakeSocket => sockets[sockets.length - 1]!;

function jobPage(onFinal?: (update: { status: string }) => void): HTMLElement {
  document.body.innerHTML = `
    <section data-job data-ws-path="/ws/imports/12/">
      <progress data-progress max="100"></progress> <span data-status></span>
      <p data-message></p> <ul data-result></ul>
    </section>`;
  const section = document.querySelector<HTMLElement>("section")!;
  followJob(section, {
    createSocket: (url) => {
      sockets.push(new FakeSocket(url));
      return latest() as unknown as WebSocket;
    },
  }, onFinal);
  return section;
}

const text = (section: HTMLElement, selector: string): string => section.querySelector(selector)!.textContent ?? "";

describe("followJob", () => {
  beforeEach(() => {
    sockets = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("hands the final update to onFinal once, and none before it", () => {
    const finals: string[] = [];
    jobPage((update) => finals.push(update.status));
    latest().send({ status: "running", progress: 60, message: "case 2 of 3" });
    expect(finals).toEqual([]);
    latest().send({ status: "succeeded", progress: 100, message: "3 case(s) segmented; 2 changed" });
    expect(finals).toEqual(["succeeded"]);
  });

  it("connects to the section's WebSocket path on the page's host", () => {
    jobPage();
    expect(latest().url).toBe("ws://127.0.0.1:8000/ws/imports/12/");
  });

  it("shows the progress, status and message of each update", () => {
    const section = jobPage();
    latest().send({ status: "running", progress: 40, message: "Reading DICOM series 2 of 5" });
    expect(section.querySelector("progress")!.value).toBe(40);
    expect(text(section, "[data-status]")).toBe("Running");
    expect(text(section, "[data-message]")).toBe("Reading DICOM series 2 of 5");
  });

  it("lists the imported patients as links on success and closes the socket", () => {
    const section = jobPage();
    latest().send({
      status: "succeeded", progress: 100, message: "Imported 2 patients",
      patients: [{ pseudonym: "NR-0001", url: "/patients/NR-0001/" }, { pseudonym: "NR-0002", url: "javascript:alert(1)" }],
    });
    const links = [...section.querySelectorAll<HTMLAnchorElement>("[data-result] li a")];
    expect(links.map((link) => link.textContent)).toEqual(["NR-0001", "NR-0002"]);
    expect(links.map((link) => link.getAttribute("href"))).toEqual(["/patients/NR-0001/", null]);
    expect(latest().closed).toBe(true);
  });

  it("shows the error prominently on failure", () => {
    const section = jobPage();
    latest().send({ status: "failed", progress: 30, message: "Importing", error: "Series FLAIR has no pixel data" });
    expect(section.classList).toContain("is-error");
    expect(text(section, "[data-message]")).toBe("Series FLAIR has no pixel data");
    expect(section.querySelector("[data-status]")!.classList).toContain("badge-bad");
  });

  it("reconnects after a drop and says the connection is lost after five failed tries", () => {
    const section = jobPage();
    latest().send({ status: "running", progress: 10, message: "Queued files" });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      latest().drop();
      vi.runOnlyPendingTimers();
    }
    expect(sockets).toHaveLength(6);
    latest().drop();
    expect(text(section, "[data-message]")).toMatch(/^Connection lost — reload/);
  });

  it("uses wss on https pages", () => {
    expect(socketUrl("/ws/imports/1/", { protocol: "https:", host: "nr.example" })).toBe("wss://nr.example/ws/imports/1/");
  });
});
