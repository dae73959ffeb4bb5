import { fetchFlowFrames } from "./fetchFlowFrames";
import type { FlowFrames } from "./flowFrames";

/** What the flow socket is asked for: `slice` is the axial index k in the segmentation's exam grid. */
export interface FlowRequest {
  segmentation: number;
  slice: number;
  stages: number;
}

/** The server repeats the request it answers (all but an unreadable request's error). */
type FlowMessage = Partial<FlowRequest> &
  ({ type: "progress"; done: number; total: number } | { type: "ready"; url: string } | { type: "error"; message: string });

export interface FlowRequestsOptions {
  /** Absolute ws:// or wss:// URL of the flow socket. */
  url: string;
  onProgress: (done: number, total: number) => void;
  onFrames: (frames: FlowFrames, request: FlowRequest) => void;
  onError: (message: string) => void;
  createSocket?: (url: string) => WebSocket;
  fetchImpl?: typeof fetch;
}

export interface FlowRequests {
  /** Ask for a flow; it supersedes an unfinished request. */
  request(request: FlowRequest): void;
  /** Close the socket and drop what is unfinished. */
  close(): void;
}

const NOT_ALLOWED = "You are not allowed to see this flow.";
const CONNECTION_LOST = "The connection to the server was lost; show the flow again to retry.";
const NOT_ALLOWED_CLOSE_CODE = 4403;
// WebSocket.OPEN, spelled out so that a socket from `createSocket` need not be a real WebSocket.
const SOCKET_OPEN = 1;

/**
 * Flow requests over one WebSocket (opened on the first request, reopened after a close),
 * each followed to its frames: progress while the server computes, then the download.
 *
 * Answers to a superseded request may still arrive: those that repeat another request
 * are dropped, and frames are only handed on when their header names the segmentation,
 * slice and stage count of the current request.
 */
export function flowRequests({
  url,
  onProgress,
  onFrames,
  onError,
  createSocket = (address) => new WebSocket(address),
  fetchImpl = (input, init) => fetch(input, init),
}: FlowRequestsOptions): FlowRequests {
  let socket: WebSocket | undefined;
  let pending: FlowRequest | undefined;
  let download: AbortController | undefined;

  const fail = (message: string): void => {
    pending = undefined;
    onError(message);
  };

  const connect = (): void => {
    const current = createSocket(url);
    socket = current;
    current.addEventListener("open", () => {
      if (current === socket && pending) current.send(JSON.stringify(pending));
    });
    current.addEventListener("message", (event: MessageEvent) => {
      if (current === socket && pending) receive(pending, event.data);
    });
    current.addEventListener("close", (event: CloseEvent) => {
      if (current !== socket) return;
      socket = undefined;
      download?.abort();
      if (pending) fail(event.code === NOT_ALLOWED_CLOSE_CODE ? NOT_ALLOWED : CONNECTION_LOST);
    });
  };

  const receive = (request: FlowRequest, data: unknown): void => {
    const message = parseMessage(data);
    if (message?.segmentation !== undefined && !sameRequest(message as FlowRequest, request)) return;
    if (message?.type === "progress") onProgress(message.done, message.total);
    else if (message?.type === "error") fail(message.message);
    else if (message?.type === "ready") void load(request, message.url);
  };

  const load = async (request: FlowRequest, framesUrl: string): Promise<void> => {
    // Only same-site paths: a message must not send the browser's credentials elsewhere.
    if (!framesUrl.startsWith("/") || framesUrl.startsWith("//")) return fail(`The server sent an invalid flow address: ${framesUrl}`);
    download?.abort();
    const controller = new AbortController();
    download = controller;
    try {
      const frames = await fetchFlowFrames(framesUrl, controller.signal, fetchImpl);
      if (pending !== request || !describes(frames, request)) return;
      pending = undefined;
      onFrames(frames, request);
    } catch (error) {
      if (!controller.signal.aborted && pending === request) fail(error instanceof Error ? error.message : String(error));
    }
  };

  return {
    request(request) {
      pending = request;
      download?.abort();
      if (!socket) connect();
      else if (socket.readyState === SOCKET_OPEN) socket.send(JSON.stringify(request));
    },
    close() {
      pending = undefined;
      download?.abort();
      const current = socket;
      socket = undefined;
      current?.close();
    },
  };
}

export function sameRequest(a: FlowRequest, b: FlowRequest | undefined): boolean {
  return b !== undefined && a.segmentation === b.segmentation && a.slice === b.slice && a.stages === b.stages;
}

function describes({ header }: FlowFrames, request: FlowRequest): boolean {
  return sameRequest({ segmentation: header.segmentation, slice: header.slice, stages: header.t.length }, request);
}

function parseMessage(data: unknown): FlowMessage | undefined {
  if (typeof data !== "string") return undefined;
  try {
    return JSON.parse(data) as FlowMessage;
  } catch {
    console.warn("NeuroReview: ignored a flow socket message that is not JSON", data);
    return undefined;
  }
}
