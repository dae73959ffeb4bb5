import { BrainMaskStore } from "./brainMask";
import type { Panel } from "./panel";
import type { SeriesSource } from "./seriesSource";

interface Tools {
  seriesSource: HTMLSelectElement;
  brainMask: HTMLInputElement;
}

/**
 * Wire the preprocessing tools of the side column to the open panels: "Series: prepared | as
 * acquired" for the panels whose exam keeps originals, and "Brain mask" for those whose run made
 * one. A tool no panel can use is hidden. The mask is fetched the first time it is asked for.
 */
export function wirePreprocessingTools(tools: Tools, panels: readonly Panel[], onError: (error: unknown) => void): void {
  const withOriginals = panels.filter((panel) => panel.plan.exam.acquired_series.length > 0);
  const withMask = panels.filter((panel) => panel.plan.exam.preprocessing?.brain_mask);
  tools.seriesSource.closest("label")!.hidden = withOriginals.length === 0;
  tools.brainMask.closest("label")!.hidden = withMask.length === 0;
  tools.seriesSource.disabled = false;
  tools.brainMask.disabled = false;

  tools.seriesSource.addEventListener("change", () => {
    tools.seriesSource.disabled = true;
    const source = tools.seriesSource.value as SeriesSource;
    Promise.all(withOriginals.map((panel) => panel.setSource(source)))
      .catch(onError)
      .finally(() => (tools.seriesSource.disabled = false));
  });

  const masks = new BrainMaskStore();
  tools.brainMask.addEventListener("change", () => {
    const visible = tools.brainMask.checked;
    for (const panel of withMask) {
      panel.mask.setVisible(visible);
      panel.view.root.dataset.brainMask = visible ? "loading" : "hidden";
      if (!visible) continue;
      masks
        .layer(panel.plan.exam.preprocessing!.brain_mask!)
        .then((layer) => {
          panel.mask.setLayer(layer);
          panel.mask.draw(panel.viewport);
          // The box may have been unticked while the mask loaded.
          if (tools.brainMask.checked) panel.view.root.dataset.brainMask = "drawn";
        })
        .catch(onError);
    }
  });
}
