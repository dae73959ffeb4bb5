import type { Vec3 } from "../types/ViewerManifest";

/** A missed lesion the reader pointed at: its centre (LPS) and, when dragged, a rough radius. */
export interface PickedLesion {
  centre: Vec3;
  radiusMm?: number;
}

/** A drag shorter than this is a click: a centre without extent. */
const CLICK_PX = 4;

/**
 * Let the reader point at a missed lesion on one panel's stage: a click at its centre, or a
 * drag from the centre outward for its rough extent. A layer over the stage takes the
 * pointer meanwhile, so the drag does not window the image.
 */
export class LesionPicker {
  private active: { layer: HTMLElement; finish: (picked: PickedLesion | undefined) => void } | undefined;

  constructor(
    private readonly stage: HTMLElement,
    /** LPS point under a canvas position (CSS pixels from the stage's top left). */
    private readonly toWorld: (x: number, y: number) => Vec3,
  ) {}

  get picking(): boolean {
    return this.active !== undefined;
  }

  /** Wait for the reader's click or drag; undefined when cancelled. */
  pick(): Promise<PickedLesion | undefined> {
    this.cancel();
    return new Promise((resolve) => {
      const layer = document.createElement("div");
      layer.className = "viewer-pick";
      layer.title = "Click the centre of the missed lesion; drag outward for its extent (Esc cancels)";
      const ring = document.createElement("div");
      ring.className = "viewer-pick-ring";
      ring.hidden = true;
      layer.append(ring);
      let start: { x: number; y: number } | undefined;
      const position = (event: PointerEvent) => {
        const box = layer.getBoundingClientRect();
        return { x: event.clientX - box.left, y: event.clientY - box.top };
      };
      layer.addEventListener("pointerdown", (event) => {
        if (event.button !== 0) return;
        start = position(event);
        layer.setPointerCapture?.(event.pointerId);
        Object.assign(ring.style, { left: `${start.x}px`, top: `${start.y}px`, width: "0px", height: "0px" });
        ring.hidden = false;
      });
      layer.addEventListener("pointermove", (event) => {
        if (!start) return;
        const now = position(event);
        const diameter = 2 * Math.hypot(now.x - start.x, now.y - start.y);
        Object.assign(ring.style, { width: `${diameter}px`, height: `${diameter}px` });
      });
      layer.addEventListener("pointerup", (event) => {
        if (!start) return;
        const end = position(event);
        const centre = this.toWorld(start.x, start.y);
        const dragged = Math.hypot(end.x - start.x, end.y - start.y) >= CLICK_PX;
        const edge = this.toWorld(end.x, end.y);
        const radiusMm = Math.hypot(edge[0] - centre[0], edge[1] - centre[1], edge[2] - centre[2]);
        this.finish(dragged ? { centre, radiusMm } : { centre });
      });
      this.stage.append(layer);
      this.active = { layer, finish: resolve };
    });
  }

  cancel(): void {
    this.finish(undefined);
  }

  private finish(picked: PickedLesion | undefined): void {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    active.layer.remove();
    active.finish(picked);
  }
}
