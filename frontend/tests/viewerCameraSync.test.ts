import { describe, expect, it } from "vitest";
import { type PanelCamera, centreOn, followCamera } from "../src/viewer/cameraSync";

const axial = (z: number, scale = 100): PanelCamera => ({
  focalPoint: [1, 2, z],
  position: [1, 2, z - 500],
  viewPlaneNormal: [0, 0, -1],
  viewUp: [0, -1, 0],
  parallelScale: scale,
});

const sagittal: PanelCamera = {
  focalPoint: [0, 0, 0],
  position: [500, 0, 0],
  viewPlaneNormal: [1, 0, 0],
  viewUp: [0, 0, 1],
  parallelScale: 120,
};

describe("followCamera", () => {
  it("copies slice, pan and zoom to a panel looking the same way", () => {
    expect(followCamera(axial(30, 80), axial(-10))).toEqual(axial(30, 80));
  });

  it("moves a panel in another orientation only through the source's focal point, and zooms it", () => {
    const followed = followCamera({ ...axial(30, 80), focalPoint: [15, 2, 30] }, sagittal);
    expect(followed.focalPoint).toEqual([15, 0, 0]);
    expect(followed.position).toEqual([515, 0, 0]);
    expect(followed.viewPlaneNormal).toEqual([1, 0, 0]);
    expect(followed.parallelScale).toBe(80);
  });
});

describe("centreOn", () => {
  it("centres the view on a point, keeping the viewing direction and distance", () => {
    const centred = centreOn(axial(30), [-20, 40, 12]);
    expect(centred.focalPoint).toEqual([-20, 40, 12]);
    expect(centred.position).toEqual([-20, 40, -488]);
  });
});
