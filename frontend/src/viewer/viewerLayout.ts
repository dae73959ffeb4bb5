/** The parts of the viewer page, built inside `#viewer`. */
export interface ViewerLayout {
  alarms: HTMLUListElement;
  alarmsStatus: HTMLElement;
  segmentation: HTMLSelectElement;
  panels: HTMLElement;
  lesions: HTMLTableElement;
  flowHost: HTMLElement;
  message: HTMLElement;
}

export function viewerLayout(root: HTMLElement): ViewerLayout {
  root.classList.add("viewer");
  root.innerHTML = `
    <header class="viewer-header">
      <section class="viewer-alarms" aria-label="Open alarms">
        <ul id="viewer-alarms"></ul>
        <p class="muted viewer-alarms-status" aria-live="polite"></p>
      </section>
      <label class="viewer-segmentation">Segmentation <select name="segmentation"></select></label>
      <p class="muted viewer-keys">↑/↓ or wheel: slice · Ctrl+wheel: zoom · drag: window · n/p: lesion · o: overlay · f: flow</p>
    </header>
    <p class="viewer-message error-list" role="alert" hidden></p>
    <div class="viewer-body">
      <div class="viewer-panels"></div>
      <aside class="viewer-side">
        <h2>Lesions</h2>
        <div class="viewer-lesions"><table id="lesion-panel" class="table"></table></div>
      </aside>
    </div>
    <div class="viewer-flow-host"></div>`;
  const part = <T extends Element>(selector: string): T => root.querySelector<T>(selector)!;
  return {
    alarms: part("#viewer-alarms"),
    alarmsStatus: part(".viewer-alarms-status"),
    segmentation: part("select[name=segmentation]"),
    panels: part(".viewer-panels"),
    lesions: part("#lesion-panel"),
    flowHost: part(".viewer-flow-host"),
    message: part(".viewer-message"),
  };
}
