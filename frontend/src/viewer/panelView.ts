import type { ViewerExam, ViewerSegmentation } from "../types/ViewerManifest";
import { WINDOW_PRESETS } from "./windowPresets";

export const ORIENTATIONS = ["axial", "sagittal", "coronal"] as const;
export type Orientation = (typeof ORIENTATIONS)[number];

/** The DOM of one exam panel, with the page hooks of the viewer contract. */
export interface PanelView {
  root: HTMLElement;
  /** Disabled until the panel shows its first image, so no control acts on an empty viewport. */
  controls: HTMLFieldSetElement;
  viewport: HTMLDivElement;
  overlay: HTMLCanvasElement;
  /** The exam's brain mask, outlined (QA of the preprocessing run). */
  mask: HTMLCanvasElement;
  /** Shown while the panel shows a series as acquired: not a series to grade on. */
  acquiredBadge: HTMLElement;
  sequence: HTMLSelectElement;
  orientation: HTMLSelectElement;
  window: HTMLSelectElement;
  overlayToggle: HTMLInputElement;
  opacity: HTMLInputElement;
  zoomIn: HTMLButtonElement;
  zoomOut: HTMLButtonElement;
  /** One "Flow" button per NODE segmentation; only the current exam's panel has them. */
  flowButtons: Map<number, HTMLButtonElement>;
  status: HTMLElement;
}

const REGISTRATION_TEXT: Record<string, string> = {
  identity: "",
  aligned: "same grid as current",
  registered: "registered to current",
  pending: "registration pending: shown unaligned",
  failed: "registration failed: shown unaligned",
};

export function panelView(exam: ViewerExam, initialSequence: string): PanelView {
  const root = element("div", "viewer-panel");
  Object.assign(root.dataset, {
    exam: String(exam.id),
    role: exam.role,
    sequence: initialSequence,
    orientation: "axial",
    slice: "",
    rendered: "false",
    source: "prepared",
  });

  const title = element("span", "viewer-panel-title");
  title.textContent = `${exam.role === "current" ? "Current" : "Prior"} · ${exam.date ?? "undated"}`;
  const sequence = select(
    "sequence",
    "Sequence",
    exam.series.map((s) => [s.sequence, s.sequence]),
  );
  sequence.value = initialSequence;
  const orientation = select(
    "orientation",
    "Orientation",
    ORIENTATIONS.map((o) => [o, o[0]!.toUpperCase() + o.slice(1)]),
  );
  const window = select(
    "window",
    "Window",
    WINDOW_PRESETS.map((p) => [p.value, p.label]),
  );
  const acquiredBadge = element("span", "viewer-acquired-badge");
  acquiredBadge.textContent = "as acquired";
  acquiredBadge.title = "The scanner's original, on its own grid: segmentations are hidden; do not grade on it";
  acquiredBadge.hidden = true;
  const zoomIn = button("+", "Zoom in");
  const zoomOut = button("−", "Zoom out");
  const overlayToggle = input("checkbox", "overlay");
  overlayToggle.checked = true;
  const overlayLabel = element("label", "viewer-check");
  overlayLabel.append(overlayToggle, " Overlay");
  const opacity = input("range", "opacity");
  Object.assign(opacity, { min: "0", max: "1", step: "0.05", value: "0.5", title: "Overlay opacity" });
  opacity.setAttribute("aria-label", "Overlay opacity");

  const flowButtons = new Map<number, HTMLButtonElement>();
  if (exam.role === "current") {
    for (const segmentation of exam.segmentations.filter(isNode)) {
      const flow = button(`Flow ${segmentation.target}`, `NODE flow of ${segmentation.name} at this slice (f)`);
      flow.dataset.flowSegmentation = String(segmentation.id);
      flowButtons.set(segmentation.id, flow);
    }
  }

  const bar = element("fieldset", "viewer-panel-bar");
  bar.disabled = true;
  bar.append(title, acquiredBadge, sequence, orientation, window, zoomIn, zoomOut, overlayLabel, opacity, ...flowButtons.values());

  const viewport = element("div", "viewer-viewport");
  viewport.addEventListener("contextmenu", (event) => event.preventDefault());
  const overlay = element("canvas", "viewer-overlay");
  const mask = element("canvas", "viewer-overlay viewer-mask");
  mask.hidden = true;
  const stage = element("div", "viewer-stage");
  stage.append(viewport, overlay, mask);

  const status = element("div", "viewer-panel-status");
  const registration = REGISTRATION_TEXT[exam.registration.status] ?? exam.registration.status;
  status.dataset.registration = registration;
  status.textContent = "Loading…";

  root.append(bar, stage, status);
  return { root, controls: bar, viewport, overlay, mask, acquiredBadge, sequence, orientation, window, overlayToggle, opacity, zoomIn, zoomOut, flowButtons, status };
}

/** A NODE model's own map (a composite's part or not): what has a flow to play. */
export const isNode = (segmentation: ViewerSegmentation): boolean =>
  segmentation.source === "model" && segmentation.kind === "node";

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  created.className = className;
  return created;
}

function select(name: string, label: string, options: [string, string][]): HTMLSelectElement {
  const created = document.createElement("select");
  created.name = name;
  created.setAttribute("aria-label", label);
  for (const [value, text] of options) created.append(new Option(text, value));
  return created;
}

function input(type: string, name: string): HTMLInputElement {
  const created = document.createElement("input");
  created.type = type;
  created.name = name;
  return created;
}

function button(text: string, title: string): HTMLButtonElement {
  const created = element("button", "button");
  created.type = "button";
  created.textContent = text;
  created.title = title;
  return created;
}
