import type { Config, Layout, PlotMouseEvent } from "plotly.js-dist-min";
import { ACC_MEASURES } from "./accMeasures";
import type { AccMeasure } from "./accMeasures";
import { accTraces, stageMarker } from "./accTraces";
import type { AccCurves } from "./accTraces";

type Plotly = (typeof import("plotly.js-dist-min"))["default"];

export interface AccChart {
  /** Draw one measure of a flow's curves with the marker at stage `t`; when drawn, the
   *  element's data-measure names it. */
  show(curves: AccCurves, t: number, measure: AccMeasure): void;
  /** Move the stage marker. */
  mark(t: number): void;
  destroy(): void;
}

const CONFIG: Partial<Config> = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

function layout(t: number, measure: AccMeasure): Partial<Layout> {
  const { label, axis } = ACC_MEASURES[measure];
  return {
    autosize: true,
    height: 250,
    margin: { l: 48, r: 16, t: 30, b: 40 },
    font: { family: "system-ui, sans-serif", size: 11, color: "#1a222c" },
    paper_bgcolor: "rgba(0,0,0,0)",
    title: {
      text: `${label} — solid: this slice, dashed: exam${measure === "acc" ? ", band: cohort mean ± SD" : ""}`,
      font: { size: 12 }, x: 0, xanchor: "left", xref: "paper",
    },
    xaxis: { title: { text: "network stage t", standoff: 4 }, range: [0, 1], zeroline: false },
    yaxis: { title: { text: axis }, range: [0, 1], zeroline: false },
    legend: { orientation: "h", x: 1, xanchor: "right", y: 1, yanchor: "bottom" },
    shapes: [stageMarker(t)],
    hovermode: "closest",
  };
}

/**
 * The ACC chart in `element`; clicking a point calls `onPick` with its stage. plotly.js is
 * loaded on the first `show`: it is several megabytes that the exam viewer must not wait for.
 */
export function accChart(element: HTMLElement, onPick: (t: number) => void): AccChart {
  let plotly: Promise<Plotly> | undefined;
  let drawn: Promise<Plotly | undefined> = Promise.resolve(undefined);
  let destroyed = false;

  const onClick = (event: PlotMouseEvent): void => {
    const x = event.points[0]?.x;
    if (typeof x === "number") onPick(x);
  };

  return {
    show(curves, t, measure) {
      // Chained, so that a redraw never races the one before it.
      drawn = drawn
        .then(async () => {
          const Plotly = await (plotly ??= import("plotly.js-dist-min").then((module) => module.default));
          if (destroyed) return undefined;
          const first = !element.classList.contains("js-plotly-plot");
          const plot = await Plotly.react(element, accTraces(curves, measure), layout(t, measure), CONFIG);
          if (first) plot.on("plotly_click", onClick);
          element.dataset.measure = measure;
          return Plotly;
        })
        .catch((error: unknown) => {
          element.textContent = `The ACC chart could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
          return undefined;
        });
    },
    mark(t) {
      void drawn.then((Plotly) => {
        if (Plotly && !destroyed) void Plotly.relayout(element, { shapes: [stageMarker(t)] });
      });
    },
    destroy() {
      destroyed = true;
      void drawn.then((Plotly) => Plotly?.purge(element));
    },
  };
}
