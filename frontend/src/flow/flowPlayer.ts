import type { ViewerManifest, ViewerSegmentation } from "../types/ViewerManifest";
import { pageHooks } from "../viewer/pageHooks";
import { accChart } from "./accChart";
import { ACC_MEASURES, missingExamNote } from "./accMeasures";
import type { AccMeasure } from "./accMeasures";
import type { AccCurves } from "./accTraces";
import { unpackBcf } from "./bcf";
import { FLOW_CHANNELS, imagePlane, stagePlane } from "./flowFrames";
import type { FlowFrames } from "./flowFrames";
import { GAMMA_COLOR, REFERENCE_COLOR, buildFlowPlayerDom } from "./flowPlayerDom";
import { flowRequests, sameRequest } from "./flowRequests";
import type { FlowRequest } from "./flowRequests";
import { grayLookup, stageZeroWindow } from "./grayWindow";
import { outlineOf } from "./outline";
import { panelCanvas } from "./panelCanvas";
import type { ColoredMask } from "./renderFrame";
import { SEQUENCE_COLORS } from "./sequenceColors";
import { stageClock } from "./stageClock";
import type { StageState } from "./stageClock";
import "./flowPlayer.css";

export interface FlowPlayerOptions {
  manifest: ViewerManifest;
  /** Absolute ws:// or wss:// URL of manifest.sockets.flow. */
  socketUrl: string;
}

export interface FlowPlayer {
  /** Show the flow of this NODE segmentation at axial slice k (of its exam's grid). */
  show(segmentationId: number, slice: number): void;
  destroy(): void;
}

export type FlowPlayerState = "idle" | "computing" | "ready" | "error";

/** A flow ready to draw: its frames and what is derived from them once. */
interface LoadedFlow {
  frames: FlowFrames;
  /** Gray lookup per channel, from the channel's fixed window. */
  gray: Uint8Array[];
  /** γ and the reference as contours, drawn at the last stage. */
  outlines: ColoredMask[];
  /** The slice's and the exam's curves, for the chart. */
  curves: AccCurves;
}

/**
 * The NODE flow player in `root`: four panels of I_t (FLAIR, T1, T1CE, T2) under one stage
 * slider, J_t and BCF overlays, γ and the reference at t = 1, and the ACC chart.
 */
export function mountFlowPlayer(root: HTMLElement, { manifest, socketUrl }: FlowPlayerOptions): FlowPlayer {
  const ui = buildFlowPlayerDom(root);
  const listeners = new AbortController();
  const panels = ui.canvases.map(panelCanvas);
  let flow: LoadedFlow | undefined;
  let wanted: FlowRequest | undefined;
  let firstFrameDrawn = false;

  const setState = (state: FlowPlayerState, message = ""): void => {
    root.dataset.state = state;
    ui.status.hidden = state !== "computing";
    ui.message.hidden = state !== "error";
    ui.message.textContent = message;
    ui.body.hidden = flow === undefined;
  };

  const draw = (index: number): void => {
    if (!flow) return;
    const { frames, gray, outlines } = flow;
    const { height, width, t } = frames.header;
    const heat = ui.jt.checked ? stagePlane(frames.jt, frames, index) : null;
    const bcf = ui.bcf.checked ? stagePlane(frames.bcf, frames, index) : null;
    FLOW_CHANNELS.forEach((sequence, channel) => {
      const image = imagePlane(frames, index, channel);
      ui.uniformMarks[channel]!.hidden = !image.every((q) => q === image[0]);
      panels[channel]!.draw(
        {
          image,
          gray: gray[channel]!,
          heat,
          bcf: bcf && { mask: unpackBcf(bcf, channel), color: SEQUENCE_COLORS[sequence] },
          outlines: index === t.length - 1 ? outlines : [],
        },
        width,
        height,
      );
    });
    if (!firstFrameDrawn) {
      firstFrameDrawn = true;
      // The page hook of the viewer contract: when the flow became playable.
      pageHooks().flowReadyAt = performance.now();
    }
  };

  const render = ({ index, count, playing }: Readonly<StageState>): void => {
    root.dataset.stageIndex = String(index);
    ui.slider.max = String(Math.max(0, count - 1));
    ui.slider.value = String(index);
    ui.play.textContent = playing ? "Pause" : "Play";
    ui.play.setAttribute("aria-pressed", String(playing));
    const t = flow?.frames.header.t[index];
    if (t === undefined) return;
    ui.stageLabel.value = `t = ${t.toFixed(2)}`;
    draw(index);
    chart.mark(t);
  };

  const chart = accChart(ui.acc, (t) => {
    if (flow) clock.seek(nearestStage(flow.frames.header.t, t));
  });
  const showCurves = (t: number): void => {
    if (!flow) return;
    const measure = ui.measure.value as AccMeasure;
    ui.measureCaption.textContent = [ACC_MEASURES[measure].caption, missingExamNote(flow.curves.exam, measure)].join(" ").trim();
    chart.show(flow.curves, t, measure);
  };
  const clock = stageClock(render);

  const requests = flowRequests({
    url: socketUrl,
    onProgress: (done, total) => {
      ui.progress.max = total;
      ui.progress.value = done;
      ui.statusText.textContent = done < total ? `computing stage ${done + 1} of ${total}` : "loading the frames";
    },
    onFrames: (frames, request) => {
      // Stay at the same stage t across slices, so that scrolling compares like with like.
      const shownT = flow?.frames.header.t[clock.state.index] ?? 0;
      flow = loadFlow(frames, accCurves(frames, findSegmentation(manifest, request.segmentation), manifest));
      firstFrameDrawn = false;
      ui.referenceKey.hidden = !frames.header.has_reference;
      setState("ready");
      const index = nearestStage(frames.header.t, shownT);
      showCurves(frames.header.t[index]!);
      clock.load(frames.header.t.length, index);
    },
    onError: (message) => {
      flow = undefined;
      clock.load(0, 0);
      setState("error", message);
    },
  });

  const show = (segmentationId: number, slice: number): void => {
    const request = { segmentation: segmentationId, slice, stages: Number(ui.stages.value) };
    // The viewer calls again on every slice change; the same request again changes nothing.
    if (sameRequest(request, wanted) && root.dataset.state !== "error") return;
    wanted = request;
    const segmentation = findSegmentation(manifest, segmentationId);
    ui.caption.textContent = `${segmentation?.name ?? `segmentation ${segmentationId}`} · axial slice ${slice}`;
    ui.progress.removeAttribute("value");
    ui.statusText.textContent = "asking the server for the flow";
    setState("computing");
    requests.request(request);
  };

  const on = (element: HTMLElement, type: string, listener: () => void): void =>
    element.addEventListener(type, listener, { signal: listeners.signal });
  on(ui.slider, "input", () => clock.seek(Number(ui.slider.value)));
  on(ui.play, "click", () => clock.toggle());
  on(ui.jt, "change", () => draw(clock.state.index));
  on(ui.bcf, "change", () => draw(clock.state.index));
  on(ui.measure, "change", () => {
    if (flow) showCurves(flow.frames.header.t[clock.state.index]!);
  });
  on(ui.stages, "change", () => {
    if (wanted) show(wanted.segmentation, wanted.slice);
  });

  setState("idle");
  return {
    show,
    destroy() {
      listeners.abort();
      clock.pause();
      requests.close();
      chart.destroy();
      for (const panel of panels) panel.destroy();
      root.replaceChildren();
      root.classList.remove("flow-player");
      delete root.dataset.state;
      delete root.dataset.stageIndex;
    },
  };
}

function loadFlow(frames: FlowFrames, curves: AccCurves): LoadedFlow {
  const { image_range: ranges, width, has_reference: hasReference } = frames.header;
  const gray = FLOW_CHANNELS.map((_, channel) => grayLookup(ranges[channel]!, stageZeroWindow(imagePlane(frames, 0, channel), ranges[channel]!)));
  const outlines = [{ mask: outlineOf(frames.gamma, width), color: GAMMA_COLOR }];
  if (hasReference && frames.reference) outlines.push({ mask: outlineOf(frames.reference, width), color: REFERENCE_COLOR });
  return { frames, gray, outlines, curves };
}

function accCurves({ header }: FlowFrames, segmentation: ViewerSegmentation | undefined, manifest: ViewerManifest): AccCurves {
  const target = segmentation?.target;
  return {
    stages: header.t,
    mu: header.mu,
    gamma_share: header.gamma_share,
    background_share: header.background_share,
    exam: segmentation?.flow ?? null,
    cohort: (target && manifest.cohort_acc[target]) || null,
  };
}

function findSegmentation(manifest: ViewerManifest, id: number): ViewerSegmentation | undefined {
  for (const exam of manifest.exams) {
    const found = exam.segmentations.find((segmentation) => segmentation.id === id);
    if (found) return found;
  }
  return undefined;
}

/** The index of the stage closest to `t`. */
function nearestStage(stages: readonly number[], t: number): number {
  let best = 0;
  stages.forEach((stage, index) => {
    if (Math.abs(stage - t) < Math.abs(stages[best]! - t)) best = index;
  });
  return best;
}

