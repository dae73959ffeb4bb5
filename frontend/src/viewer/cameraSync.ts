import type { Vec3 } from "../types/ViewerManifest";

/** The parts of a Cornerstone camera that panels share. */
export interface PanelCamera {
  focalPoint: Vec3;
  position: Vec3;
  viewPlaneNormal: Vec3;
  viewUp: Vec3;
  parallelScale: number;
}

const dot = (u: Vec3, v: Vec3): number => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
const add = (u: Vec3, v: Vec3, s = 1): Vec3 => [u[0] + s * v[0], u[1] + s * v[1], u[2] + s * v[2]];

/** Normals within about 2.5° look the same way. */
const PARALLEL = 0.999;

/**
 * The camera a panel takes when another panel moved, in the shared LPS world.
 *
 * A panel looking the same way takes the camera as is (slice, pan, zoom). A panel in
 * another orientation keeps its own view and only moves its slice through the source's
 * focal point, and takes its zoom.
 */
export function followCamera(source: PanelCamera, target: PanelCamera): PanelCamera {
  if (dot(source.viewPlaneNormal, target.viewPlaneNormal) > PARALLEL) return { ...source };
  const n = target.viewPlaneNormal;
  const shift = dot(n, add(source.focalPoint, target.focalPoint, -1));
  return {
    ...target,
    focalPoint: add(target.focalPoint, n, shift),
    position: add(target.position, n, shift),
    parallelScale: source.parallelScale,
  };
}

/** The same view moved so that `point` is at its centre and on its slice. */
export function centreOn(camera: PanelCamera, point: Vec3): PanelCamera {
  const offset = add(camera.position, camera.focalPoint, -1);
  return { ...camera, focalPoint: [...point], position: add(point, offset) };
}
