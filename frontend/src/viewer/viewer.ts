import { Enums, RenderingEngine } from "@cornerstonejs/core";
import { socketUrl } from "../job/socketUrl";
import { apiJson } from "../net/apiJson";
import type { Vec3, ViewerManifest, ViewerSegmentation } from "../types/ViewerManifest";
import { followAlarms } from "./alarmFeed";
import { alarmApi } from "./alarmApi";
import { AlarmHeader } from "./alarmHeader";
import { centreOn } from "./cameraSync";
import { startCornerstone } from "./cornerstone";
import { announceDisplayed } from "./displayed";
import { FlowLauncher } from "./flowLauncher";
import { sliceIndex } from "./geometry";
import { gradingApi } from "./gradingApi";
import { GradingPanel } from "./gradingPanel";
import { viewerCommand } from "./keyboard";
import { LabelStore } from "./labelStore";
import { lesionPaint } from "./labelVolume";
import { LesionPicker } from "./lesionPick";
import { LesionReview, type ReviewCommand } from "./lesionReview";
import { LesionMarking } from "./marks/lesionMarking";
import { pageHooks, reportError } from "./pageHooks";
import { Panel } from "./panel";
import { wirePanelControls } from "./panelControls";
import { currentExam, flowSegmentation, matchingSegmentation, planPanels, reviewOrder } from "./panelPlan";
import { PanelSync } from "./panelSync";
import { isNode, panelView } from "./panelView";
import { preprocessingApi } from "./preprocessingApi";
import { PreprocessingPanel } from "./preprocessingPanel";
import { wirePreprocessingTools } from "./preprocessingTools";
import { ReadingClock, Stopwatch } from "./readingClock";
import { showSmallComponents } from "./smallComponents";
import { type ViewerLayout, viewerLayout } from "./viewerLayout";
import { type ViewerOptions, viewerOptions } from "./viewerOptions";
import type { VoxelDownloads } from "./voxelDownloads";
import { VolumeStore } from "./volumes";

/** Mount the exam viewer into `root` (`#viewer`), given its manifest (being) fetched. */
export async function mountViewer(
  root: HTMLElement,
  manifest: Promise<ViewerManifest>,
  downloads: VoxelDownloads,
): Promise<void> {
  const options = viewerOptions(root);
  const layout = viewerLayout(root, options.mode);
  try {
    await showManifest(root, await manifest, layout, downloads, options);
  } catch (error) {
    layout.message.textContent = `The viewer could not open: ${reportError(error)}`;
    layout.message.hidden = false;
  }
}

const REVIEW_KEYS: Partial<Record<string, ReviewCommand>> = {
  "next-lesion": "next",
  "previous-lesion": "previous",
  "accept-lesion": "accept",
  "reject-lesion": "reject",
  "add-lesion": "add",
  "undo-verdict": "undo",
  cancel: "cancel",
};

async function showManifest(
  root: HTMLElement,
  manifest: ViewerManifest,
  layout: ViewerLayout,
  downloads: VoxelDownloads,
  options: ViewerOptions,
): Promise<void> {
  const hooks = pageHooks();
  const current = currentExam(manifest);
  if (!current) throw new Error("NeuroReview: the manifest has no current exam");
  const volumes = new VolumeStore(`neuroreview-${manifest.patient}-${manifest.current_exam}`, downloads);
  const plans = planPanels(manifest);
  if (plans[0]?.exam !== current) throw new Error("NeuroReview: the current exam has no series to show");
  const currentBytes = downloads.get(plans[0].initial);
  const clock = new ReadingClock();
  clock.watch(document);

  const alarms = new AlarmHeader(layout.alarms, manifest.patient, manifest.exams, alarmApi, options.mode);
  void alarms.reload();
  followAlarms(
    socketUrl(manifest.sockets.alarms, window.location),
    (state) => alarms.update(state),
    () => alarms.say("Live alarm updates stopped; reload the page to resume."),
  );

  const segmentations = reviewOrder(current.segmentations);
  let picked: ViewerSegmentation | undefined = segmentations.find((s) => s.id === options.initialSegmentation) ?? segmentations[0];
  for (const s of segmentations) layout.segmentation.append(new Option(segmentationLabel(s), String(s.id), false, s === picked));
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
  // Flows are on the prepared grid, whatever series the panel shows.
  const axialSlice = (): number => sliceIndex(currentPanel.plan.initial, currentPanel.camera().focalPoint, 2);
  const sync = new PanelSync(panels, (panel) => {
    panel.refresh();
    if (panel === currentPanel) flow.sliceChanged(axialSlice());
  });

  let active = currentPanel;
  const goTo = (point: Vec3): void =>
    sync.silently(() => {
      for (const panel of panels) if (panel.ready) panel.setCamera(centreOn(panel.camera(), point));
    });
  const picker = new LesionPicker(currentPanel.view.overlay.parentElement!, (x, y) => currentPanel.viewport.canvasToWorld([x, y]) as Vec3);
  const review = new LesionReview(
    { table: layout.lesions, progress: layout.reviewProgress, status: layout.reviewStatus },
    manifest.exams.filter((exam) => exam.role === "prior"),
    gradingApi,
    clock,
    {
      goTo,
      paint: (segmentation, lesions, book) =>
        void labels
          .layer(segmentation, currentPanel.plan.initial)
          .then((layer) => {
            for (const lesion of lesions) layer.painted.paint(lesion, lesionPaint(lesion, book.decision(lesion.id)));
            if (currentPanel.ready) currentPanel.overlay.draw(currentPanel.viewport);
          })
          .catch(reportError),
      mark: (markers) => {
        currentPanel.overlay.setMarkers(markers);
        if (currentPanel.ready) currentPanel.overlay.draw(currentPanel.viewport);
      },
      pick: () => picker.pick(),
      cancelPick: () => picker.cancel(),
    },
    options.mode,
  );
  const caseTime = new Stopwatch(clock);
  caseTime.start();
  // The layout has a place for the clinical tools only where the mode allows them.
  const grading = layout.grading && new GradingPanel(layout.grading, gradingApi, caseTime, manifest.patient);
  if (layout.preprocessing) {
    const preprocessingPanel = new PreprocessingPanel(layout.preprocessing.run, preprocessingApi, options.mayReviewPreprocessing, async () => {
      const reloaded = await apiJson<ViewerManifest>(options.manifestUrl);
      return currentExam(reloaded)?.preprocessing ?? null;
    });
    layout.preprocessing.section.hidden = !current.preprocessing && !panels.some((panel) => panel.plan.exam.acquired_series.length > 0);
    preprocessingPanel.show(current.id, current.preprocessing);
  }

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
  const showReview = (): void => {
    void review.show(picked);
    void grading?.show(picked);
    showSmallComponents(layout.belowMinimum, picked, goTo);
  };
  showReview();
  const marking = LesionMarking.start(root, layout.marks, layout.keys, panels, goTo);

  let rendered = 0;
  for (const panel of panels) {
    const { view } = panel;
    view.viewport.addEventListener(Enums.Events.IMAGE_RENDERED, () => {
      if (!panel.ready) return;
      panel.drawOverlays();
      marking?.draw(panel);
      if (view.root.dataset.rendered === "true") return;
      view.root.dataset.rendered = "true";
      rendered += 1;
      hooks.firstImageAt ??= performance.now();
      if (rendered < panels.length) return;
      hooks.allPanelsAt = performance.now();
      announceDisplayed(root, hooks.allPanelsAt);
    });
    view.root.addEventListener("pointerdown", () => (active = panel));
    view.root.addEventListener("pointerenter", () => (active = panel));
    wirePanelControls(panel, sync, reportError);
    for (const [segmentationId, button] of view.flowButtons) button.addEventListener("click", () => showFlow(segmentationId));
  }

  layout.segmentation.addEventListener("change", () => {
    picked = segmentations.find((s) => String(s.id) === layout.segmentation.value);
    showReview();
    for (const panel of panels) showLabels(panel);
  });

  document.addEventListener("keydown", (event) => {
    const command = viewerCommand(event, options.mode);
    if (!command) return;
    event.preventDefault();
    const reviewCommand = REVIEW_KEYS[command];
    if (reviewCommand) {
      if (command === "cancel" && alarms.open) alarms.close();
      if (command === "cancel") marking?.stop();
      void review.command(reviewCommand);
    } else if (command === "previous-slice" || command === "next-slice") {
      if (active.ready) active.scroll(command === "next-slice" ? 1 : -1);
    } else if (command === "grade") {
      grading?.focus();
    } else if (command === "mark-lesion") {
      marking?.toggle();
    } else if (command === "toggle-overlay") {
      const visible = !panels.some((panel) => panel.view.overlayToggle.checked);
      for (const panel of panels) {
        panel.view.overlayToggle.checked = visible;
        panel.showOverlay(visible);
      }
    } else {
      const node = flowSegmentation(picked, segmentations, isNode);
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
  if (layout.preprocessing) wirePreprocessingTools(layout.preprocessing, panels.filter((panel) => panel.ready), reportError);
  flow.prepare(segmentations.filter(isNode).map((segmentation) => segmentation.id));
}

function segmentationLabel(segmentation: ViewerSegmentation): string {
  const label = [segmentation.name, segmentation.target].filter(Boolean).join(" · ");
  return segmentation.part_of === null ? label : `${label} (part)`;
}
