import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mountFlowPlayer } from "../src/flow";
import type { FlowPlayer } from "../src/flow";
import type { ViewerManifest } from "../src/types/ViewerManifest";
import { encodeFlowFrames, flowFixture } from "./flowFixtures";

const plotly = vi.hoisted(() => ({
  react: vi.fn(async (element: HTMLElement) => Object.assign(element, { on: () => undefined })),
  relayout: vi.fn(async () => undefined),
  purge: vi.fn(),
}));
vi.mock("plotly.js-dist-min", () => ({ default: plotly }));

class FakeSocket extends EventTarget {
  readyState = 0;
  readonly sent: unknown[] = [];
  closed = false;
  constructor(readonly url: string) {
    super();
    sockets.push(this);
  }
  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  reply(message: object): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(message) }));
  }
  close(): void {
    this.closed = true;
  }
}

let sockets: FakeSocket[];
let drawn: ImageData[];
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const manifest = {
  exams: [{ segmentations: [{ id: 3, name: "NODE WT 1.0", target: "WT", flow: null }] }],
  cohort_acc: {},
} as unknown as ViewerManifest;

function mount(): { player: FlowPlayer; root: HTMLElement } {
  document.body.innerHTML = `<section id="flow-player"></section>`;
  const root = document.querySelector<HTMLElement>("#flow-player")!;
  return { player: mountFlowPlayer(root, { manifest, socketUrl: "ws://127.0.0.1:8000/ws/flows/" }), root };
}

async function showReady(player: FlowPlayer): Promise<void> {
  player.show(3, 95);
  sockets[0]!.open();
  sockets[0]!.reply({ type: "ready", url: "/api/segmentations/3/flows/abc.bin" });
  await settle();
}

const state = (root: HTMLElement): [string | undefined, string | undefined] => [root.dataset.state, root.dataset.stageIndex];

describe("mountFlowPlayer", () => {
  beforeEach(() => {
    sockets = [];
    drawn = [];
    delete (window as unknown as { __neuroreview?: unknown }).__neuroreview;
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("fetch", async () => new Response(encodeFlowFrames(flowFixture({ stages: 26, slice: 95 }))));
    // happy-dom has no 2D canvas: record the frames instead of drawing them.
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(() => ({
      createImageData: (width: number, height: number) => new ImageData(width, height),
      putImageData: (image: ImageData) => drawn.push(image),
      drawImage: () => undefined,
      fillRect: () => undefined,
    }) as unknown as CanvasRenderingContext2D);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("asks for 26 stages, shows the progress, then draws the four panels at stage 0 and is ready", async () => {
    const { player, root } = mount();
    expect(state(root)).toEqual(["idle", undefined]);
    player.show(3, 95);
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([{ segmentation: 3, slice: 95, stages: 26 }]);
    sockets[0]!.reply({ type: "progress", done: 4, total: 26 });
    expect(state(root)[0]).toBe("computing");
    expect(root.querySelector("#flow-progress")!.getAttribute("value")).toBe("4");
    expect(root.querySelector(".flow-status")!.textContent).toContain("computing stage 5 of 26");
    sockets[0]!.reply({ type: "ready", url: "/api/segmentations/3/flows/abc.bin" });
    await settle();
    expect(state(root)).toEqual(["ready", "0"]);
    expect(drawn.map((image) => [image.width, image.height])).toEqual([[3, 2], [3, 2], [3, 2], [3, 2]]);
    expect(root.querySelector<HTMLInputElement>("#flow-stage")!.max).toBe("25");
    expect(root.querySelector("#flow-stage-value")!.textContent).toBe("t = 0.00");
    expect((window as unknown as { __neuroreview: { flowReadyAt: number } }).__neuroreview.flowReadyAt).toBeGreaterThan(0);
  });

  it("moves to the stage of the slider and labels it with its t", async () => {
    const { player, root } = mount();
    await showReady(player);
    const slider = root.querySelector<HTMLInputElement>("#flow-stage")!;
    slider.value = "10";
    slider.dispatchEvent(new Event("input"));
    expect(state(root)).toEqual(["ready", "10"]);
    expect(root.querySelector("#flow-stage-value")!.textContent).toBe("t = 0.40");
  });

  it("marks a channel whose I_t is uniform at the shown stage with the paper's *", async () => {
    const fixture = flowFixture({ stages: 26, slice: 95 });
    fixture.images.fill(7, 6, 12); // stage 0, T1
    vi.stubGlobal("fetch", async () => new Response(encodeFlowFrames(fixture)));
    const { player, root } = mount();
    await showReady(player);
    expect([...root.querySelectorAll<HTMLElement>("[data-flow-uniform]")].map((mark) => mark.hidden)).toEqual([true, false, true, true]);
  });

  it("plots the curve chosen, ACC first, each with a caption saying what it means", async () => {
    const { player, root } = mount();
    await showReady(player);
    const chart = root.querySelector<HTMLElement>("#flow-acc")!;
    const caption = root.querySelector("[data-flow-measure-caption]")!;
    expect(chart.dataset.measure).toBe("acc");
    expect(caption.textContent).toMatch(/the paper plotted/);
    const select = root.querySelector<HTMLSelectElement>("#flow-measure")!;
    select.value = "background_share";
    select.dispatchEvent(new Event("change"));
    await settle();
    expect(chart.dataset.measure).toBe("background_share");
    const traces = (plotly.react.mock.lastCall as unknown[])[1] as { name: string; y: unknown[] }[];
    expect(traces.find((trace) => trace.name === "T1")!.y[0]).toBe(0.6); // the header's share
    expect(caption.textContent).toMatch(/outside γ/);
  });

  it("shows the server's error in the player", async () => {
    const { player, root } = mount();
    player.show(3, 400);
    sockets[0]!.open();
    sockets[0]!.reply({ type: "error", message: "Slice 400 is out of range (0–188)" });
    expect(state(root)[0]).toBe("error");
    const message = root.querySelector<HTMLElement>("[role=alert]")!;
    expect([message.hidden, message.textContent]).toEqual([false, "Slice 400 is out of range (0–188)"]);
  });

  it("closes the socket and empties the root on destroy", async () => {
    const { player, root } = mount();
    await showReady(player);
    player.destroy();
    expect(sockets[0]!.closed).toBe(true);
    expect([root.children.length, root.dataset.state]).toEqual([0, undefined]);
  });
});
