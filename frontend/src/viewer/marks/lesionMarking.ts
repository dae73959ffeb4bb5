import type { Vec3 } from "../../types/ViewerManifest";
import { lpsToRas, rasToLps } from "../geometry";
import { reportError } from "../pageHooks";
import type { Panel } from "../panel";
import { keepAnswer, markRules } from "./marksAnswer";
import { MarkList } from "./marksModel";
import { halfSliceMm } from "./marksOnPlane";
import { MarksOverlay } from "./marksOverlay";
import { MarksPanel } from "./marksPanel";
import "./marks.css";

/** A press and release further apart than this is a drag (windowing), not a click. */
const CLICK_PX = 4;

/**
 * Lesion marks for a reader study's lesion_marks answer, where the viewer root names the
 * page's answer input (data-marks-input): the reader turns marking on and clicks the current
 * exam's image; each mark is drawn, numbered, on every panel whose slice holds it.
 */
export class LesionMarking {
  private constructor(
    private readonly list: MarkList,
    private readonly panel: MarksPanel,
    private readonly overlays: Map<Panel, MarksOverlay>,
  ) {}

  /**
   * Start marking for `panels` (the current exam's first) when the root asks for it; a page
   * whose attributes or held answer cannot be read gets the reason in `section`, and no marking.
   */
  static start(root: HTMLElement, section: HTMLElement, keys: HTMLElement, panels: readonly Panel[], goTo: (point: Vec3) => void): LesionMarking | undefined {
    const selector = root.dataset.marksInput;
    if (!selector) return undefined;
    try {
      const input = document.querySelector(selector);
      if (!(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)) {
        throw new Error(`data-marks-input: no input or textarea matches ${JSON.stringify(selector)}`);
      }
      const list = new MarkList(markRules(root.dataset));
      keepAnswer(list, input);
      const current = panels[0]!;
      const panel = new MarksPanel(section, list, {
        goTo: (mark) => goTo(rasToLps(mark.positionMm)),
        marking: (on) => (current.view.root.dataset.marking = String(on)),
      });
      const overlays = new Map(panels.map((shown) => [shown, new MarksOverlay(shown.view.overlay.parentElement!)]));
      const marking = new LesionMarking(list, panel, overlays);
      list.onChange(() => marking.drawAll());
      onClick(current.view.viewport, (x, y) => {
        if (panel.marking && current.ready) marking.add(lpsToRas(current.viewport.canvasToWorld([x, y]) as Vec3));
      });
      keys.insertAdjacentHTML("beforeend", " · <kbd>Shift</kbd>+<kbd>m</kbd> mark lesion");
      return marking;
    } catch (error) {
      section.hidden = false;
      section.classList.add("error-list");
      section.textContent = `Lesion marks are off: ${reportError(error)}`;
      return undefined;
    }
  }

  toggle(): void {
    this.panel.setMarking(!this.panel.marking);
  }

  stop(): void {
    this.panel.setMarking(false);
  }

  /** Redraw a panel's marks for its current camera (after each render). */
  draw(panel: Panel): void {
    const overlay = this.overlays.get(panel);
    if (!overlay || !panel.ready) return;
    const points = this.list.marks.map((mark) => rasToLps(mark.positionMm));
    overlay.draw(panel.viewport, points, halfSliceMm(panel.grid, panel.camera().viewPlaneNormal));
  }

  private add(positionMm: Vec3): void {
    if (!this.list.add(positionMm)) this.panel.refuse();
  }

  private drawAll(): void {
    for (const panel of this.overlays.keys()) this.draw(panel);
  }
}

/** Call `handler` with the position (CSS pixels in `element`) of a plain left click, not a drag. */
function onClick(element: HTMLElement, handler: (x: number, y: number) => void): void {
  let pressed: { x: number; y: number } | undefined;
  element.addEventListener("pointerdown", (event) => (pressed = event.button === 0 ? { x: event.clientX, y: event.clientY } : undefined));
  element.addEventListener("click", (event) => {
    if (!pressed || event.button !== 0 || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
    if (Math.hypot(event.clientX - pressed.x, event.clientY - pressed.y) >= CLICK_PX) return;
    const box = element.getBoundingClientRect();
    handler(event.clientX - box.left, event.clientY - box.top);
  });
}
