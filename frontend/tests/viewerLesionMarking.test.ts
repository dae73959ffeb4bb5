import { describe, expect, it, vi } from "vitest";
import type { Vec3 } from "../src/types/ViewerManifest";
import { LesionMarking } from "../src/viewer/marks/lesionMarking";
import type { Panel } from "../src/viewer/panel";
import { pageHooks } from "../src/viewer/pageHooks";

/** A shown panel whose canvas pixel (x, y) is LPS (x, y, 40): an axial slice. */
function fakePanel(role: string): Panel {
  const root = document.createElement("div");
  root.dataset.role = role;
  const stage = document.createElement("div");
  const viewport = document.createElement("div");
  const overlay = document.createElement("canvas");
  stage.append(viewport, overlay);
  root.append(stage);
  return {
    ready: true,
    view: { root, viewport, overlay },
    viewport: { canvasToWorld: ([x, y]: number[]) => [x, y, 40] },
    grid: { dimensions: [10, 10, 10], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
    camera: () => ({ viewPlaneNormal: [0, 0, 1] }),
  } as unknown as Panel;
}

function page(attributes = 'data-marks-input="#answer" data-marks-max="2"', value = "") {
  document.body.innerHTML = `<div id="viewer" ${attributes}></div><section></section><p id="keys"></p><textarea id="answer">${value}</textarea>`;
  const panels = [fakePanel("current"), fakePanel("prior")];
  const goTo = vi.fn();
  const marking = LesionMarking.start(document.querySelector("#viewer")!, document.querySelector("section")!, document.querySelector<HTMLElement>("#keys")!, panels, goTo);
  const answer = () => JSON.parse(document.querySelector("textarea")!.value);
  return { marking, panels, goTo, answer, section: document.querySelector("section")! };
}

function click(panel: Panel, x: number, y: number, init: MouseEventInit = {}): void {
  const target = panel.view.viewport;
  target.dispatchEvent(new PointerEvent("pointerdown", { button: 0, clientX: x, clientY: y, bubbles: true }));
  target.dispatchEvent(new MouseEvent("click", { button: 0, clientX: x, clientY: y, bubbles: true, ...init }));
}

describe("LesionMarking", () => {
  it("stays off where the page names no answer input", () => {
    const { marking, section } = page("");
    expect(marking).toBeUndefined();
    expect(section.childElementCount).toBe(0);
  });

  it("marks a click on the current exam, in RAS millimetres, while marking is on", () => {
    const { marking, panels, answer } = page();
    click(panels[0]!, 12, 30);
    expect(answer()).toEqual([]); // not marking yet: the click windows the image
    marking!.toggle();
    click(panels[0]!, 12, 30);
    expect(answer()).toEqual([{ position_mm: [-12, -30, 40] }]);
  });

  it("takes no mark from a prior's panel, a drag, or a Shift click (pan)", () => {
    const { marking, panels, answer } = page();
    marking!.toggle();
    click(panels[1]!, 12, 30);
    click(panels[0]!, 12, 30, { shiftKey: true });
    const target = panels[0]!.view.viewport;
    target.dispatchEvent(new PointerEvent("pointerdown", { button: 0, clientX: 0, clientY: 0 }));
    target.dispatchEvent(new MouseEvent("click", { button: 0, clientX: 20, clientY: 0 }));
    expect(answer()).toEqual([]);
  });

  it("shows the crosshair on the current panel while marking", () => {
    const { marking, panels } = page();
    marking!.toggle();
    expect(panels[0]!.view.root.dataset.marking).toBe("true");
    marking!.stop();
    expect(panels[0]!.view.root.dataset.marking).toBe("false");
  });

  it("says so when a click finds the most marks placed", () => {
    const { marking, panels, answer, section } = page(undefined, '[{"position_mm": [1, 2, 3]}, {"position_mm": [4, 5, 6]}]');
    marking!.toggle();
    click(panels[0]!, 12, 30);
    expect(answer()).toHaveLength(2);
    expect(section.querySelector("[role=status]")!.textContent).toContain("most marks allowed (2)");
  });

  it("goes to a mark in the viewer's LPS world", () => {
    const { goTo, section } = page(undefined, '[{"position_mm": [-12, -30, 40]}]');
    [...section.querySelectorAll("button")].find((button) => button.textContent === "Go to")!.click();
    expect(goTo).toHaveBeenCalledWith([12, 30, 40] satisfies Vec3);
  });

  it("adds its key to the shortcut help", () => {
    page();
    expect(document.querySelector("#keys")!.textContent).toContain("Shift+m mark lesion");
  });

  it("says why it is off when the page's answer input is missing, and records it", () => {
    const { marking, section } = page('data-marks-input="#nowhere"');
    expect(marking).toBeUndefined();
    expect(section.textContent).toBe('Lesion marks are off: data-marks-input: no input or textarea matches "#nowhere"');
    expect(pageHooks().errors).toContain('data-marks-input: no input or textarea matches "#nowhere"');
  });
});
