import { describe, expect, it } from "vitest";
import { markerRings } from "../src/viewer/lesionMarkers";

// An axial plane at z = 10, 0.5 mm per pixel, pixel (0, 0) at (−20, −20).
const frame = { origin: [-20, -20, 10] as [number, number, number], right: [0.5, 0, 0] as [number, number, number], down: [0, 0.5, 0] as [number, number, number] };

describe("markerRings", () => {
  it("rings a marker where the plane cuts its sphere, in pixels", () => {
    const [ring] = markerRings(frame, [{ centre: [0, 5, 13], radiusMm: 5 }]);
    expect(ring!.x).toBeCloseTo(40);
    expect(ring!.y).toBeCloseTo(50);
    expect(ring!.radius).toBeCloseTo(8); // √(5² − 3²) = 4 mm = 8 px
  });

  it("leaves out markers the plane does not reach", () => {
    expect(markerRings(frame, [{ centre: [0, 0, 16], radiusMm: 5 }])).toEqual([]);
  });
});
