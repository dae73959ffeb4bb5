import { describe, expect, it } from "vitest";
import { fetchVoxels, voxelArray } from "../src/viewer/voxels";

describe("voxels", () => {
  it("reads little-endian int16 bytes as signed voxels", () => {
    const bytes = Uint8Array.of(0xff, 0xff, 0x10, 0x00);
    expect([...voxelArray(bytes.buffer, "int16", 2)]).toEqual([-1, 16]);
  });

  it("refuses a body whose size does not match the manifest's dimensions", () => {
    expect(() => voxelArray(new ArrayBuffer(6), "float32", 2)).toThrow(/6 bytes/);
  });

  it("fails on an error response instead of showing garbage", async () => {
    const fetcher = async () => new Response("", { status: 404 });
    await expect(fetchVoxels("/api/series/5/voxels/x", "uint8", [1, 1, 1], fetcher)).rejects.toThrow(/404/);
  });
});
