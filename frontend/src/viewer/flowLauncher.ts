import type { ViewerManifest } from "../types/ViewerManifest";
import type { FlowPlayer } from "../flow";

const SLICE_DEBOUNCE_MS = 300;

/**
 * Opens the NODE flow player on demand and keeps it on the current panel's slice.
 * The player (and plotly with it) is loaded only when first asked for, so it does not
 * delay the first image.
 */
export class FlowLauncher {
  private player: Promise<FlowPlayer> | undefined;
  private segmentationId: number | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: HTMLElement,
    private readonly manifest: ViewerManifest,
    private readonly socketUrl: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  get open(): boolean {
    return this.segmentationId !== undefined;
  }

  /** Show the flow of a NODE segmentation at axial slice k of its exam's grid. */
  show(segmentationId: number, slice: number): void {
    clearTimeout(this.pending);
    this.segmentationId = segmentationId;
    this.mount()
      .then((player) => player.show(segmentationId, slice))
      .catch(this.onError);
  }

  /**
   * Read ahead what the first flow of these NODE segmentations needs: the player's code here,
   * their exam and model on the server. Called once the panels are shown, so it takes nothing
   * from the first image.
   */
  prepare(segmentationIds: readonly number[]): void {
    if (segmentationIds.length === 0) return;
    import("../flow")
      .then(({ prepareFlows }) => prepareFlows(this.socketUrl, segmentationIds))
      .then((problems) => {
        for (const problem of problems) console.warn("NeuroReview: a flow could not be prepared:", problem);
      })
      .catch(this.onError);
  }

  /** The current panel moved: follow it once it has rested for a moment. */
  sliceChanged(slice: number): void {
    const segmentationId = this.segmentationId;
    if (segmentationId === undefined) return;
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.show(segmentationId, slice), SLICE_DEBOUNCE_MS);
  }

  private mount(): Promise<FlowPlayer> {
    this.player ??= import("../flow").then(({ mountFlowPlayer }) => {
      const root = document.createElement("section");
      root.id = "flow-player";
      root.className = "viewer-flow";
      this.host.append(root);
      return mountFlowPlayer(root, { manifest: this.manifest, socketUrl: this.socketUrl });
    });
    return this.player;
  }
}
