import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FlowLauncher } from "../src/viewer/flowLauncher";
import { exam, manifest } from "./viewerFixtures";

const show = vi.fn();
const prepareFlows = vi.fn(async () => ["segmentation 8: only NODE segmentations have a flow"]);
vi.mock("../src/flow", () => ({
  mountFlowPlayer: (root: HTMLElement) => {
    root.dataset.mounted = "true";
    return { show, destroy: vi.fn() };
  },
  prepareFlows: (...args: unknown[]) => prepareFlows(...(args as [])),
}));

describe("FlowLauncher", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    show.mockReset();
    document.body.innerHTML = "<div id=host></div>";
  });
  afterEach(() => vi.useRealTimers());

  const launcher = () =>
    new FlowLauncher(document.querySelector("#host")!, manifest([exam(3, "current")]), "ws://x/ws/flows/", vi.fn());

  it("creates #flow-player once and shows the asked slice", async () => {
    const flow = launcher();
    flow.show(7, 95);
    await vi.dynamicImportSettled();
    flow.show(7, 96);
    await vi.dynamicImportSettled();
    expect(document.querySelectorAll("section#flow-player[data-mounted]")).toHaveLength(1);
    expect(show.mock.calls).toEqual([
      [7, 95],
      [7, 96],
    ]);
  });

  it("prepares the flows over the socket without mounting the player, warning of what failed", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const flow = launcher();
    flow.prepare([7, 8]);
    await vi.dynamicImportSettled();
    expect(prepareFlows).toHaveBeenCalledWith("ws://x/ws/flows/", [7, 8]);
    expect(document.querySelector("#flow-player")).toBeNull();
    expect(flow.open).toBe(false);
    expect(warn).toHaveBeenCalledWith("NeuroReview: a flow could not be prepared:", "segmentation 8: only NODE segmentations have a flow");
    warn.mockRestore();
  });

  it("follows slice changes only while open, once they rest for 300 ms", async () => {
    const flow = launcher();
    flow.sliceChanged(90);
    expect(flow.open).toBe(false);
    flow.show(7, 95);
    await vi.dynamicImportSettled();
    flow.sliceChanged(96);
    flow.sliceChanged(97);
    vi.advanceTimersByTime(299);
    await vi.dynamicImportSettled();
    expect(show.mock.calls).toEqual([[7, 95]]);
    vi.advanceTimersByTime(1);
    await vi.dynamicImportSettled();
    expect(show.mock.calls).toEqual([
      [7, 95],
      [7, 97],
    ]);
  });
});
