import { apiJson } from "../net/apiJson";
import type { components } from "../types/api";
import type { Vec3, ViewerSegmentation } from "../types/ViewerManifest";
import { rasToLps } from "./geometry";

type ComponentPage = components["schemas"]["PaginatedLesionList"];

const componentsUrl = (segmentation: number): string => `/api/segmentations/${segmentation}/lesions/?below_minimum=true`;

/**
 * The components below the segmentation's minimum volume: not lesions, so not reviewed, but
 * counted under the lesion list and listed when the reader opens the count (nothing is hidden
 * silently). A listed component is a button that moves the panels to it.
 */
export function showSmallComponents(
  root: HTMLElement,
  segmentation: ViewerSegmentation | undefined,
  goTo: (point: Vec3) => void,
  fetchPage: (url: string) => Promise<ComponentPage> = apiJson,
): void {
  root.replaceChildren();
  const count = segmentation?.below_minimum_count ?? 0;
  if (!segmentation || count === 0) return;
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  const minimum = segmentation.minimum_lesion_ml == null ? "" : ` below ${segmentation.minimum_lesion_ml} mL`;
  summary.textContent = `${count} smaller ${count === 1 ? "component" : "components"}${minimum}, not lesions`;
  const list = document.createElement("ol");
  details.append(summary, list);
  root.append(details);
  const names = new Map(segmentation.labels.map((label) => [label.value, label.name]));
  let loaded = false;
  details.addEventListener("toggle", () => {
    if (!details.open || loaded) return;
    loaded = true;
    list.textContent = "Loading…";
    fetchPage(componentsUrl(segmentation.id))
      .then((page) => {
        list.replaceChildren(
          ...page.results.map((component) => {
            const item = document.createElement("li");
            const button = document.createElement("button");
            button.type = "button";
            button.className = "button";
            button.textContent = `#${component.index} ${names.get(component.label) ?? component.label} ${component.volume_ml.toFixed(3)} mL`;
            button.addEventListener("click", () => goTo(rasToLps(component.centroid_mm as Vec3)));
            item.append(button);
            return item;
          }),
        );
        if (page.count > page.results.length) list.append(`… the first ${page.results.length} of ${page.count}`);
      })
      .catch((error: unknown) => {
        loaded = false;
        list.textContent = `They could not be listed: ${error instanceof Error ? error.message : String(error)}`;
      });
  });
}
