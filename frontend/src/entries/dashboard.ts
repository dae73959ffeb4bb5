// QA dashboard page: the server renders the tables; this draws the same figures as charts.
import Plotly from "plotly.js-dist-min";
import "../dashboard/dashboard.css";
import { drawDashboard, fetchDashboard } from "../dashboard";

const root = document.querySelector<HTMLElement>("[data-dashboard]");
if (root !== null) {
  fetchDashboard(root.dataset.dashboard ?? "")
    .then((dashboard) => drawDashboard(root, dashboard, Plotly))
    .catch((error: unknown) => {
      for (const chart of root.querySelectorAll<HTMLElement>("[data-chart]")) {
        chart.textContent = `The chart could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
      }
    });
}
