import { describe, expect, it } from "vitest";
import { FlowFramesError, imagePlane, parseFlowFrames, stagePlane } from "../src/flow/flowFrames";
import { encodeFlowFrames, flowFixture } from "./flowFixtures";

describe("parseFlowFrames", () => {
  it("reads the JSON header after its uint32 little-endian length", () => {
    const fixture = flowFixture();
    expect(parseFlowFrames(encodeFlowFrames(fixture)).header).toEqual(fixture.header);
  });

  it("views each array at its offset in the body, without copying", () => {
    const fixture = flowFixture({ stages: 3, height: 2, width: 3 });
    const buffer = encodeFlowFrames(fixture);
    const frames = parseFlowFrames(buffer);
    const arraysStart = buffer.byteLength - (3 * 4 * 6 + 3 * 6 + 3 * 6 + 6 + 6);
    expect([frames.images, frames.jt, frames.bcf, frames.gamma, frames.reference!].map((view) => view.byteOffset)).toEqual([
      arraysStart, arraysStart + 72, arraysStart + 90, arraysStart + 108, arraysStart + 114,
    ]);
    expect(frames.images.buffer).toBe(buffer);
    expect([frames.images, frames.jt, frames.bcf, frames.gamma, frames.reference]).toEqual([
      fixture.images, fixture.jt, fixture.bcf, fixture.gamma, fixture.reference,
    ]);
  });

  it("picks one channel's I_t and one stage's plane in (T, 4, H, W) and (T, H, W) order", () => {
    const frames = parseFlowFrames(encodeFlowFrames(flowFixture({ stages: 3, height: 2, width: 3 })));
    // Stage 2, channel 1: plane number 2·4 + 1 = 9 of 6 pixels each.
    expect([...imagePlane(frames, 2, 1)]).toEqual([54, 55, 56, 57, 58, 59]);
    expect([...stagePlane(frames.jt, frames, 1)]).toEqual([106, 107, 108, 109, 110, 111]);
  });

  it("has no reference array when the header says there is none", () => {
    const frames = parseFlowFrames(encodeFlowFrames(flowFixture({ hasReference: false })));
    expect(frames.reference).toBeNull();
  });

  it("names the expected and actual sizes when the arrays do not match the header", () => {
    const short = encodeFlowFrames(flowFixture({ stages: 3, height: 2, width: 3 })).slice(0, -1);
    expect(() => parseFlowFrames(short)).toThrow(new FlowFramesError(
      "Flow frames: expected 120 bytes of arrays for 3 stages of 2×3 with a reference, got 119",
    ));
    expect(() => parseFlowFrames(encodeFlowFrames(flowFixture({ hasReference: false }), 6))).toThrow(/expected 114 bytes .* got 120/);
  });

  it("rejects a header length that overruns the body and a header that breaks the format", () => {
    const overrun = new Uint8Array(8);
    new DataView(overrun.buffer).setUint32(0, 100, true);
    expect(() => parseFlowFrames(overrun.buffer)).toThrow(/header of 100 bytes overruns the 8-byte body/);
    const fixture = flowFixture();
    fixture.header.channels = ["T1", "FLAIR", "T1CE", "T2"];
    expect(() => parseFlowFrames(encodeFlowFrames(fixture))).toThrow(/channels .* are not FLAIR, T1, T1CE, T2/);
  });

  it("rejects a header without the slice's shares beside μ", () => {
    const fixture = flowFixture();
    fixture.header.gamma_share = fixture.header.gamma_share.slice(1);
    expect(() => parseFlowFrames(encodeFlowFrames(fixture))).toThrow(/gamma_share is not 3 × 4/);
  });
});
