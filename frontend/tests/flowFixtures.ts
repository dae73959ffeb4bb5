// Flow-frames bodies built from the documented format, for the flow player's tests.
import type { FlowHeader } from "../src/flow/flowFrames";

export interface FlowFixture {
  header: FlowHeader;
  images: Uint8Array;
  jt: Uint8Array;
  bcf: Uint8Array;
  gamma: Uint8Array;
  reference: Uint8Array | null;
}

/** A flow of `stages` stages of height × width whose arrays hold distinct, recognisable bytes. */
export function flowFixture({
  stages = 3,
  height = 2,
  width = 3,
  hasReference = true,
  segmentation = 3,
  slice = 95,
}: Partial<{ stages: number; height: number; width: number; hasReference: boolean; segmentation: number; slice: number }> = {}): FlowFixture {
  const plane = height * width;
  const filled = (length: number, start: number): Uint8Array => Uint8Array.from({ length }, (_, index) => (start + index) % 256);
  return {
    header: {
      t: Array.from({ length: stages }, (_, index) => index / (stages - 1)),
      height,
      width,
      channels: ["FLAIR", "T1", "T1CE", "T2"],
      image_range: [[0, 1], [-1, 1], [0, 2], [0.5, 1.5]],
      weights: [1, -0.5, 2, 0.5],
      mu: Array.from({ length: stages }, (_, index) => [index / stages, null, 0.5, 0.25]),
      gamma_share: Array.from({ length: stages }, (_, index) => [index / stages, 0, 0.75, 0.25]),
      background_share: Array.from({ length: stages }, () => [0.1, 0.6, 0.2, 0.3]),
      slice,
      segmentation,
      orientation: "radiological",
      has_reference: hasReference,
    },
    images: filled(stages * 4 * plane, 0),
    jt: filled(stages * plane, 100),
    bcf: filled(stages * plane, 0).map((value) => value % 16),
    gamma: filled(plane, 0).map((value) => value % 2),
    reference: hasReference ? filled(plane, 1).map((value) => value % 2) : null,
  };
}

/** The body the server sends: uint32 LE header length, the JSON header, then the arrays (and `trailingBytes` zeros). */
export function encodeFlowFrames({ header, images, jt, bcf, gamma, reference }: FlowFixture, trailingBytes = 0): ArrayBuffer {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const parts = [images, jt, bcf, gamma, ...(reference ? [reference] : [])];
  const body = new Uint8Array(4 + json.length + parts.reduce((sum, part) => sum + part.length, 0) + trailingBytes);
  new DataView(body.buffer).setUint32(0, json.length, true);
  body.set(json, 4);
  let offset = 4 + json.length;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.length;
  }
  return body.buffer;
}
