import { requireElement } from "../dom/requireElement";
import type { Rgb } from "../types/ViewerManifest";
import { ACC_MEASURES } from "./accMeasures";
import type { AccMeasure } from "./accMeasures";
import { FLOW_CHANNELS } from "./flowFrames";
import { SEQUENCE_COLORS, rgba } from "./sequenceColors";

/** Stage grids offered: Δt = 0.04 (the server's default), 0.02 and the paper's 0.01. */
export const STAGE_GRIDS = [26, 51, 101] as const;
export const GAMMA_COLOR: Rgb = [255, 0, 255];
export const REFERENCE_COLOR: Rgb = [0, 255, 255];

export interface FlowPlayerElements {
  caption: HTMLElement;
  stages: HTMLSelectElement;
  jt: HTMLInputElement;
  bcf: HTMLInputElement;
  status: HTMLElement;
  progress: HTMLProgressElement;
  statusText: HTMLElement;
  message: HTMLElement;
  /** Panels, slider, legend and chart: hidden until there are frames. */
  body: HTMLElement;
  /** One per channel, in channel order. */
  canvases: HTMLCanvasElement[];
  /** The paper's "*" beside a channel whose I_t is uniform at the shown stage, per channel. */
  uniformMarks: HTMLElement[];
  play: HTMLButtonElement;
  slider: HTMLInputElement;
  stageLabel: HTMLOutputElement;
  referenceKey: HTMLElement;
  /** Which curve the chart plots: the ACC of eq. 6 or one of its two shares. */
  measure: HTMLSelectElement;
  /** What the plotted curve means, and whether the paper plotted it. */
  measureCaption: HTMLElement;
  acc: HTMLElement;
}

const swatch = (color: Rgb): string => `<span class="flow-swatch" style="background: ${rgba(color, 1)}"></span>`;

// "Network stage t", never a date: the exam viewer's timepoints are another axis.
const TEMPLATE = `
  <header class="flow-header">
    <h2 class="flow-title">NODE flow <span class="flow-caption" data-flow-caption></span></h2>
    <label class="flow-option">Stages
      <select id="flow-stages" name="flow-stages">
        ${STAGE_GRIDS.map((count) => `<option value="${count}">${count} (Δt = ${(1 / (count - 1)).toFixed(2)})</option>`).join("")}
      </select>
    </label>
    <label class="flow-option"><input type="checkbox" id="flow-jt" name="flow-jt"> J<sub>t</sub> overlay</label>
    <label class="flow-option"><input type="checkbox" id="flow-bcf" name="flow-bcf"> BCF η<sub>t</sub> overlay</label>
  </header>
  <div class="flow-status" data-flow-status hidden>
    <progress id="flow-progress" max="1" value="0"></progress>
    <span data-flow-status-text></span>
  </div>
  <p class="flow-message" data-flow-message role="alert" hidden></p>
  <div class="flow-body" data-flow-body hidden>
    <div class="flow-panels">
      ${FLOW_CHANNELS.map(
        (sequence) => `
        <figure class="flow-panel">
          <canvas data-flow-sequence="${sequence}" aria-label="I_t of ${sequence}"></canvas>
          <figcaption>
            ${swatch(SEQUENCE_COLORS[sequence])}${sequence}
            <span data-flow-uniform title="Uniform map: no spatial pattern at this stage" hidden>*</span>
          </figcaption>
        </figure>`,
      ).join("")}
    </div>
    <div class="flow-controls">
      <button type="button" class="button" id="flow-play" aria-pressed="false">Play</button>
      <label for="flow-stage">Network stage</label>
      <input type="range" id="flow-stage" name="flow-stage" min="0" max="0" step="1" value="0">
      <output id="flow-stage-value" for="flow-stage">t = 0.00</output>
    </div>
    <p class="flow-legend">
      At t = 1: ${swatch(GAMMA_COLOR)} final segmentation γ
      <span data-flow-reference-key>${swatch(REFERENCE_COLOR)} reference</span>
      · J<sub>t</sub> from red (low) to yellow (high) · BCF in the colour of its sequence
    </p>
    <label class="flow-option">Curve
      <select id="flow-measure" name="flow-measure">
        ${(Object.entries(ACC_MEASURES) as [AccMeasure, { label: string }][])
          .map(([measure, { label }]) => `<option value="${measure}">${label}</option>`)
          .join("")}
      </select>
    </label>
    <div id="flow-acc" class="flow-acc"></div>
    <p class="flow-measure-caption" data-flow-measure-caption></p>
  </div>`;

/** Build the player's DOM inside `root` (the ids of the viewer contract's page hooks). */
export function buildFlowPlayerDom(root: HTMLElement): FlowPlayerElements {
  root.classList.add("flow-player");
  root.innerHTML = TEMPLATE;
  const find = <T extends HTMLElement>(selector: string): T => requireElement<T>(root, selector);
  return {
    caption: find("[data-flow-caption]"),
    stages: find("#flow-stages"),
    jt: find("#flow-jt"),
    bcf: find("#flow-bcf"),
    status: find("[data-flow-status]"),
    progress: find("#flow-progress"),
    statusText: find("[data-flow-status-text]"),
    message: find("[data-flow-message]"),
    body: find("[data-flow-body]"),
    canvases: FLOW_CHANNELS.map((sequence) => find<HTMLCanvasElement>(`canvas[data-flow-sequence="${sequence}"]`)),
    uniformMarks: [...root.querySelectorAll<HTMLElement>("[data-flow-uniform]")],
    play: find("#flow-play"),
    slider: find("#flow-stage"),
    stageLabel: find("#flow-stage-value"),
    referenceKey: find("[data-flow-reference-key]"),
    measure: find("#flow-measure"),
    measureCaption: find("[data-flow-measure-caption]"),
    acc: find("#flow-acc"),
  };
}
