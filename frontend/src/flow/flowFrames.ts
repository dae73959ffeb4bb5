import type { SequenceName } from "../types/ViewerManifest";

/** The channels of a flow, in the NODE state's order (the BCF bit k is channel k). */
export const FLOW_CHANNELS: readonly SequenceName[] = ["FLAIR", "T1", "T1CE", "T2"];

/** The JSON header of a flow-frames body (see the viewer contract, "Flow frames"). */
export interface FlowHeader {
  /** The stages t in [0, 1], ascending. */
  t: number[];
  height: number;
  width: number;
  channels: SequenceName[];
  /** [lo, hi] per channel over all stages: I_t = lo + q/255·(hi − lo). */
  image_range: [number, number][];
  /** Head weights w_k. */
  weights: number[];
  /** ACC μ_t^k per stage and channel; null where |η ∪ γ| = 0. */
  mu: (number | null)[][];
  /** |η_t^k ∩ γ| / |γ| per stage and channel; null where γ is empty. */
  gamma_share: (number | null)[][];
  /** |η_t^k ∖ γ| / |¬γ| per stage and channel (¬γ: the rest of the slice); null where γ fills it. */
  background_share: (number | null)[][];
  slice: number;
  segmentation: number;
  orientation: string;
  has_reference: boolean;
}

/** A parsed flow: the header and views into the body (no copies), H×W planes in display orientation. */
export interface FlowFrames {
  header: FlowHeader;
  /** I_t quantized, (T, 4, H, W). */
  images: Uint8Array;
  /** J_t quantized (J = q/255), (T, H, W). */
  jt: Uint8Array;
  /** BCF, (T, H, W): bit k is η_t^k. */
  bcf: Uint8Array;
  /** Final segmentation γ, 0/1, (H, W). */
  gamma: Uint8Array;
  /** The reference's target mask, 0/1, (H, W); null without a reference. */
  reference: Uint8Array | null;
}

export class FlowFramesError extends Error {
  override name = "FlowFramesError";
}

/** Parse a flow-frames body: uint32 LE header length, UTF-8 JSON header, then the uint8 arrays. */
export function parseFlowFrames(buffer: ArrayBuffer): FlowFrames {
  if (buffer.byteLength < 4) throw new FlowFramesError(`Flow frames: ${buffer.byteLength} bytes, too short for a header`);
  const headerLength = new DataView(buffer).getUint32(0, true);
  if (4 + headerLength > buffer.byteLength) {
    throw new FlowFramesError(`Flow frames: header of ${headerLength} bytes overruns the ${buffer.byteLength}-byte body`);
  }
  const header = validHeader(decodeJson(new Uint8Array(buffer, 4, headerLength)));

  const stages = header.t.length;
  const plane = header.height * header.width;
  const sizes = [stages * FLOW_CHANNELS.length * plane, stages * plane, stages * plane, plane, header.has_reference ? plane : 0];
  const expected = sizes.reduce((sum, size) => sum + size, 0);
  const actual = buffer.byteLength - 4 - headerLength;
  if (actual !== expected) {
    throw new FlowFramesError(
      `Flow frames: expected ${expected} bytes of arrays for ${stages} stages of ${header.height}×${header.width}` +
        `${header.has_reference ? " with a reference" : ""}, got ${actual}`,
    );
  }
  let offset = 4 + headerLength;
  const [images, jt, bcf, gamma, reference] = sizes.map((size) => {
    const view = new Uint8Array(buffer, offset, size);
    offset += size;
    return view;
  }) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { header, images, jt, bcf, gamma, reference: header.has_reference ? reference : null };
}

/** I_t of one channel at one stage, quantized (a view). */
export function imagePlane(frames: FlowFrames, stage: number, channel: number): Uint8Array {
  const plane = frames.header.height * frames.header.width;
  return frames.images.subarray((stage * FLOW_CHANNELS.length + channel) * plane, (stage * FLOW_CHANNELS.length + channel + 1) * plane);
}

/** One stage of a (T, H, W) array (a view). */
export function stagePlane(array: Uint8Array, frames: FlowFrames, stage: number): Uint8Array {
  const plane = frames.header.height * frames.header.width;
  return array.subarray(stage * plane, (stage + 1) * plane);
}

function decodeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new FlowFramesError(`Flow frames: the header is not UTF-8 JSON (${String(error)})`);
  }
}

// Only what the player relies on is checked; a header that breaks it fails here, by name.
function validHeader(value: unknown): FlowHeader {
  const header = value as Partial<FlowHeader> | null;
  const fail = (what: string): never => {
    throw new FlowFramesError(`Flow frames: header ${what}`);
  };
  if (typeof header !== "object" || header === null) return fail("is not an object");
  const { t, height, width, channels, image_range: ranges } = header;
  if (!Array.isArray(t) || t.length === 0 || !t.every(Number.isFinite)) fail("t is not a non-empty list of stages");
  if (!isPositiveInteger(height) || !isPositiveInteger(width)) fail(`height × width ${height} × ${width} is not a size`);
  if (!Array.isArray(channels) || channels.join() !== FLOW_CHANNELS.join()) fail(`channels ${JSON.stringify(channels)} are not ${FLOW_CHANNELS.join(", ")}`);
  if (!Array.isArray(ranges) || ranges.length !== FLOW_CHANNELS.length || !ranges.every(isRange)) fail("image_range is not 4 × [lo, hi]");
  for (const name of ["mu", "gamma_share", "background_share"] as const) {
    const rows = header[name];
    if (!Array.isArray(rows) || rows.length !== t!.length || !rows.every((row) => Array.isArray(row) && row.length === FLOW_CHANNELS.length)) {
      fail(`${name} is not ${t!.length} × 4`);
    }
  }
  if (typeof header.has_reference !== "boolean") fail("has_reference is not true or false");
  return header as FlowHeader;
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

function isRange(value: unknown): boolean {
  return Array.isArray(value) && value.length === 2 && value.every(Number.isFinite) && value[0] <= value[1];
}
