import type { Config, Layout } from "plotly.js-dist-min";
import { dashboardFigures } from "./figures";
import type { QualityDashboard } from "./types";

type Plotly = Pick<(typeof import("plotly.js-dist-min"))["default"], "newPlot">;

export const CONFIG: Partial<Config> = { responsive: true, displaylogo: false, displayModeBar: false };

/** The look every chart of the pages shares (dashboard, validation runs). */
export const LAYOUT: Partial<Layout> = {
  autosize: true,
  height: 280,
  margin: { l: 56, r: 16, t: 28, b: 48 },
  font: { family: "system-ui, sans-serif", size: 11, color: "#1a222c" },
  paper_bgcolor: "rgba(0,0,0,0)",
  plot_bgcolor: "rgba(0,0,0,0)",
  // stacks list their legend in trace order (plotly reverses it by default): best grade first
  legend: { orientation: "h", traceorder: "normal", x: 0, y: -0.25 },
  xaxis: { automargin: true },
  yaxis: { automargin: true },
};

/**
 * Draw each figure of `dashboard` into the `[data-chart=<name>]` element under `root` that
 * the page rendered for it (a section without data has none). Returns the names drawn.
 */
export async function drawDashboard(root: ParentNode, dashboard: QualityDashboard, plotly: Plotly): Promise<string[]> {
  const drawn: string[] = [];
  for (const [name, figure] of Object.entries(dashboardFigures(dashboard))) {
    const element = root.querySelector<HTMLElement>(`[data-chart="${name}"]`);
    if (element === null) continue;
    const layout = { ...LAYOUT, ...figure.layout, yaxis: { ...LAYOUT.yaxis, ...figure.layout.yaxis } };
    await plotly.newPlot(element, figure.data, layout, CONFIG);
    drawn.push(name);
  }
  return drawn;
}

/** The dashboard's figures from the API; an answer that is not JSON is an error. */
export async function fetchDashboard(url: string, fetchImpl: typeof fetch = fetch): Promise<QualityDashboard> {
  const response = await fetchImpl(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return (await response.json()) as QualityDashboard;
}
