import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FlowLauncher } from "../src/viewer/flowLauncher";
import { exam, manifest } from "./viewerFixtures";

const show = vi.fn();
vi.mock("../src/flow", () => ({
  mountFlowPlayer: (root: HTMLElement) => {
    root.dataset.mounted = "true";
    return { show, destroy: vi.fn() };
  },
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
