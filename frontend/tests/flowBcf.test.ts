import { expect, it } from "vitest";
import { unpackBcf } from "../src/flow/bcf";

it("unpacks η_t^k of each channel from bit k of the BCF plane", () => {
  // The spec's worked example (η = 0, 0, 1, 0 → 0b0100), all four set, none, FLAIR and T2.
  const plane = Uint8Array.from([0b0100, 0b1111, 0b0000, 0b1001]);
  expect([0, 1, 2, 3].map((channel) => [...unpackBcf(plane, channel)])).toEqual([
    [0, 1, 0, 1],
    [0, 1, 0, 0],
    [1, 1, 0, 0],
    [0, 1, 0, 1],
  ]);
});
