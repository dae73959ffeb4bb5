import { parseFlowFrames } from "./flowFrames";
import type { FlowFrames } from "./flowFrames";

/** Download and parse a flow-frames body (the browser undoes the gzip). */
export async function fetchFlowFrames(url: string, signal: AbortSignal, fetchImpl: typeof fetch): Promise<FlowFrames> {
  const response = await fetchImpl(url, { credentials: "same-origin", signal });
  if (!response.ok) throw new Error(`Could not load the flow frames (HTTP ${response.status})`);
  return parseFlowFrames(await response.arrayBuffer());
}
