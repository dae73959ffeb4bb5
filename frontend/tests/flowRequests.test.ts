import { beforeEach, describe, expect, it } from "vitest";
import type { FlowFrames } from "../src/flow/flowFrames";
import { flowRequests } from "../src/flow/flowRequests";
import type { FlowRequest } from "../src/flow/flowRequests";
import { encodeFlowFrames, flowFixture } from "./flowFixtures";
import { FakeSocket } from "./fakeSocket";

const URL_A = "/api/segmentations/3/flows/aaaa.bin";
const URL_B = "/api/segmentations/3/flows/bbbb.bin";
const A: FlowRequest = { segmentation: 3, slice: 95, stages: 3 };
const B: FlowRequest = { segmentation: 3, slice: 96, stages: 3 };

let sockets: FakeSocket[];
let bodies: Map<string, ArrayBuffer>;
let fetched: { url: string; signal: AbortSignal }[];
let frames: [FlowFrames, FlowRequest][];
let progress: [number, number][];
let errors: string[];

const latest = (): FakeSocket => sockets[sockets.length - 1]!;
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function requests(fetchImpl: typeof fetch = async (input, init) => {
  fetched.push({ url: String(input), signal: init!.signal! });
  return new Response(bodies.get(String(input))!);
}) {
  return flowRequests({
    url: "ws://127.0.0.1:8000/ws/flows/",
    onProgress: (done, total) => progress.push([done, total]),
    onFrames: (parsed, request) => frames.push([parsed, request]),
    onError: (message) => errors.push(message),
    createSocket: (url) => {
      sockets.push(new FakeSocket());
      expect(url).toBe("ws://127.0.0.1:8000/ws/flows/");
      return latest() as unknown as WebSocket;
    },
    fetchImpl,
  });
}

describe("flowRequests", () => {
  beforeEach(() => {
    sockets = [];
    fetched = [];
    frames = [];
    progress = [];
    errors = [];
    bodies = new Map([
      [URL_A, encodeFlowFrames(flowFixture({ slice: 95 }))],
      [URL_B, encodeFlowFrames(flowFixture({ slice: 96 }))],
    ]);
  });

  it("asks once the socket is open, reports progress, then hands on the frames of the ready URL", async () => {
    requests().request(A);
    latest().open();
    expect(latest().sent).toEqual([A]);
    latest().reply({ type: "progress", done: 1, total: 3 });
    latest().reply({ type: "ready", url: URL_A });
    await settle();
    expect(progress).toEqual([[1, 3]]);
    expect(fetched.map(({ url }) => url)).toEqual([URL_A]);
    expect(frames.map(([parsed, request]) => [parsed.header.slice, request])).toEqual([[95, A]]);
  });

  it("supersedes an unfinished request on the same socket and drops the older flow's frames", async () => {
    const flows = requests();
    flows.request(A);
    latest().open();
    latest().reply({ type: "progress", done: 1, total: 3 });
    flows.request(B);
    // The server had finished A before it read B.
    latest().reply({ type: "ready", url: URL_A });
    await settle();
    latest().reply({ type: "ready", url: URL_B });
    await settle();
    expect(sockets).toHaveLength(1);
    expect(latest().sent).toEqual([A, B]);
    expect(frames.map(([parsed, request]) => [parsed.header.slice, request])).toEqual([[96, B]]);
    expect(errors).toEqual([]);
  });

  it("drops the answers that repeat a superseded request", async () => {
    const flows = requests();
    flows.request(A);
    latest().open();
    flows.request(B);
    latest().reply({ type: "progress", done: 2, total: 3, ...A });
    latest().reply({ type: "error", message: "the flow could not be computed", ...A });
    latest().reply({ type: "progress", done: 1, total: 3, ...B });
    latest().reply({ type: "ready", url: URL_B, ...B });
    await settle();
    expect([progress, errors]).toEqual([[[1, 3]], []]);
    expect(frames.map(([, request]) => request)).toEqual([B]);
  });

  it("aborts the download of a superseded request", () => {
    const flows = requests(async (input, init) => {
      fetched.push({ url: String(input), signal: init!.signal! });
      return new Promise<Response>(() => {});
    });
    flows.request(A);
    latest().open();
    latest().reply({ type: "ready", url: URL_A });
    flows.request(B);
    expect(fetched[0]!.signal.aborted).toBe(true);
  });

  it("reports the server's errors and a refused or lost connection, and reconnects on the next request", () => {
    const flows = requests();
    flows.request(A);
    latest().open();
    latest().reply({ type: "error", message: "Segmentation 3 is not a NODE segmentation" });
    flows.request(B);
    latest().drop(4403);
    flows.request(A);
    latest().open();
    latest().drop(1006);
    expect(errors).toEqual([
      "Segmentation 3 is not a NODE segmentation",
      "You are not allowed to see this flow.",
      "The connection to the server was lost; show the flow again to retry.",
    ]);
    expect(sockets).toHaveLength(2);
  });

  it("reports frames that do not match their header, and refuses a ready URL of another site", async () => {
    bodies.set(URL_A, encodeFlowFrames(flowFixture({ slice: 95 })).slice(0, -1));
    const flows = requests();
    flows.request(A);
    latest().open();
    latest().reply({ type: "ready", url: URL_A });
    await settle();
    flows.request(B);
    latest().reply({ type: "ready", url: "//evil.example/flow.bin" });
    expect(errors).toEqual([
      "Flow frames: expected 120 bytes of arrays for 3 stages of 2×3 with a reference, got 119",
      "The server sent an invalid flow address: //evil.example/flow.bin",
    ]);
    expect(fetched).toHaveLength(1);
  });

  it("closes the socket and reports nothing more once closed", () => {
    const flows = requests();
    flows.request(A);
    latest().open();
    flows.close();
    latest().reply({ type: "error", message: "late" });
    latest().drop(1000);
    expect(latest().closed).toBe(true);
    expect(errors).toEqual([]);
  });
});
