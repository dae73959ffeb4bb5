import { Enums, RenderingEngine } from "@cornerstonejs/core";
import { socketUrl } from "../job/socketUrl";
import type { ViewerManifest, ViewerSegmentation } from "../types/ViewerManifest";
import { followAlarms } from "./alarmFeed";
import { renderAlarms } from "./alarms";
import { centreOn } from "./cameraSync";
import { startCornerstone } from "./cornerstone";
import { FlowLauncher } from "./flowLauncher";
import { viewerCommand } from "./keyboard";
import { sliceIndex } from "./geometry";
import { LabelStore } from "./labelStore";
import { renderLesionPanel, selectLesionRow } from "./lesionPanel";
import { orderLesions, stepLesion } from "./lesionNavigation";
import { pageHooks, reportError } from "./pageHooks";
import { Panel } from "./panel";
import { wirePanelControls } from "./panelControls";
import { currentExam, matchingSegmentation, planPanels } from "./panelPlan";
import { PanelSync } from "./panelSync";
import { isNode, panelView } from "./panelView";
import { type ViewerLayout, viewerLayout } from "./viewerLayout";
import type { VoxelDownloads } from "./voxelDownloads";
import { VolumeStore } from "./volumes";

/** Mount the exam viewer into `root` (`#viewer`), given its manifest (being) fetched. */
export async function mountViewer(
  root: HTMLElement,
  manifest: Promise<ViewerManifest>,
  downloads: VoxelDownloads,
): Promise<void> {
  const layout = viewerLayout(root);
  try {
    await showManifest(await manifest, layout, downloads);
  } catch (error) {
    layout.message.textContent = `The viewer could not open: ${reportError(error)}`;
    layout.message.hidden = false;
  }
}

async function showManifest(
  manifest: ViewerManifest,
  layout: ViewerLayout,
  downloads: VoxelDownloads,
): Promise<void> {
  const hooks = pageHooks();
  const current = currentExam(manifest);
  if (!current) throw new Error("NeuroReview: the manifest has no current exam");
  const volumes = new VolumeStore(`neuroreview-${manifest.patient}-${manifest.current_exam}`, downloads);
  const plans = planPanels(manifest);
  if (plans[0]?.exam !== current) throw new Error("NeuroReview: the current exam has no series to show");
  const currentBytes = downloads.get(plans[0].initial);

  const examLabels = new Map(manifest.exams.map((exam) => [exam.id, `${exam.role} ${exam.date ?? "undated"}`]));
  renderAlarms(layout.alarms, manifest.alarms, examLabels);
  followAlarms(
    socketUrl(manifest.sockets.alarms, window.location),
    (message) => renderAlarms(layout.alarms, message.alarms, examLabels),
    () => (layout.alarmsStatus.textContent = "Live alarm updates stopped; reload the page to resume."),
  );

  const segmentations = current.segmentations;
  let picked: ViewerSegmentation | undefined = segmentations[0];
  for (const s of segmentations) layout.segmentation.append(new Option(segmentationLabel(s), String(s.id)));
  layout.segmentation.disabled = segmentations.length === 0;

  const toolGroup = startCornerstone("neuroreview-viewer-tools");
  const engine = new RenderingEngine("neuroreview-viewer");
  const labels = new LabelStore();
  const panels = plans.map((plan) => {
    const view = panelView(plan.exam, plan.initial.sequence);
    layout.panels.append(view.root);
    return new Panel(plan, view, engine, volumes);
  });
  layout.panels.dataset.count = String(panels.length);
  engine.setViewports(
    panels.map((panel) => ({
      viewportId: panel.viewportId,
      type: Enums.ViewportType.ORTHOGRAPHIC,
      element: panel.view.viewport,
      defaultOptions: { orientation: Enums.OrientationAxis.AXIAL, background: [0, 0, 0] },
    })),
  );
  for (const panel of panels) toolGroup.addViewport(panel.viewportId, engine.id);
  new ResizeObserver(() => engine.resize(true, true)).observe(layout.panels);

  const currentPanel = panels[0]!;
  const flow = new FlowLauncher(
    layout.flowHost,
    manifest,
    socketUrl(manifest.sockets.flow, window.location),
    reportError,
  );
  const axialSlice = (): number => sliceIndex(currentPanel.grid, currentPanel.camera().focalPoint, 2);
  const sync = new PanelSync(panels, (panel) => {
    panel.refresh();
    if (panel === currentPanel) flow.sliceChanged(axialSlice());
  });

  let active = currentPanel;
  let lesions = orderLesions(picked?.lesions ?? []);
  let lesionAt = -1;
  const goToLesion = (position: number): void => {
    const lesion = lesions[position];
    if (!lesion) return;
    lesionAt = position;
    selectLesionRow(layout.lesions, position);
    sync.silently(() => {
      for (const panel of panels) if (panel.ready) panel.setCamera(centreOn(panel.camera(), lesion.centroid_mm));
    });
  };
  const showLesions = (): void => {
    lesions = orderLesions(picked?.lesions ?? []);
    lesionAt = -1;
    const priors = manifest.exams.filter((exam) => exam.role === "prior");
    renderLesionPanel(layout.lesions, lesions, priors, goToLesion);
  };
  const showLabels = (panel: Panel): void => {
    const segmentation = picked && matchingSegmentation(panel.plan.exam, picked);
    panel.setLabels(undefined);
    if (!segmentation) return;
    labels
      .layer(segmentation, panel.plan.initial)
      .then((layer) => {
        // A later pick may have replaced this one while it loaded.
        if (picked && matchingSegmentation(panel.plan.exam, picked) === segmentation) panel.setLabels(layer);
      })
      .catch(reportError);
  };
  const showFlow = (segmentationId: number): void => flow.show(segmentationId, axialSlice());
  showLesions();

  let rendered = 0;
  for (const panel of panels) {
    const { view } = panel;
    view.viewport.addEventListener(Enums.Events.IMAGE_RENDERED, () => {
      if (!panel.ready) return;
      panel.overlay.draw(panel.viewport);
      if (view.root.dataset.rendered === "true") return;
      view.root.dataset.rendered = "true";
      rendered += 1;
      hooks.firstImageAt ??= performance.now();
      if (rendered === panels.length) hooks.allPanelsAt = performance.now();
    });
    view.root.addEventListener("pointerdown", () => (active = panel));
    view.root.addEventListener("pointerenter", () => (active = panel));
    wirePanelControls(panel, sync, reportError);
    for (const [segmentationId, button] of view.flowButtons) button.addEventListener("click", () => showFlow(segmentationId));
  }

  layout.segmentation.addEventListener("change", () => {
    picked = segmentations.find((s) => String(s.id) === layout.segmentation.value);
    showLesions();
    for (const panel of panels) showLabels(panel);
  });

  document.addEventListener("keydown", (event) => {
    const command = viewerCommand(event);
    if (!command) return;
    event.preventDefault();
    if (command === "previous-slice" || command === "next-slice") {
      if (active.ready) active.scroll(command === "next-slice" ? 1 : -1);
    } else if (command === "next-lesion" || command === "previous-lesion") {
      goToLesion(stepLesion(lesionAt, command === "next-lesion" ? 1 : -1, lesions.length));
    } else if (command === "toggle-overlay") {
      const visible = !panels.some((panel) => panel.view.overlayToggle.checked);
      for (const panel of panels) {
        panel.view.overlayToggle.checked = visible;
        panel.overlay.setVisible(visible);
      }
    } else {
      const node = picked && isNode(picked) ? picked : segmentations.find(isNode);
      if (node) showFlow(node.id);
    }
  });

  const open = async (panel: Panel): Promise<void> => {
    await panel.showSequence(panel.series.sequence);
    panel.ready = true;
    panel.view.controls.disabled = false;
    sync.join(panel);
    showLabels(panel);
  };
  // The priors' downloads start once the current FLAIR's bytes are in, while it is turned
  // into a volume and drawn.
  await Promise.all([
    open(currentPanel),
    ...panels.slice(1).map((panel) => currentBytes.then(() => open(panel)).catch(reportError)),
  ]);
  flow.prepare(segmentations.filter(isNode).map((segmentation) => segmentation.id));
}

function segmentationLabel(segmentation: ViewerSegmentation): string {
  return [segmentation.name, segmentation.target].filter(Boolean).join(" · ");
}
