import type { Vec3 } from "../types/ViewerManifest";
import type { PixelFrame } from "./drawLabelSlice";

/** A point a reader marked (an added lesion), with its rough radius. */
export interface LesionMarker {
  centre: Vec3;
  radiusMm: number;
}

/** Where a marker's sphere cuts the shown plane: canvas centre and radius, in pixels. */
export interface MarkerRing {
  x: number;
  y: number;
  radius: number;
}

const MIN_RING_PX = 4;

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/**
 * The rings of the markers whose sphere the plane of `frame` (pixel centres, one pixel per
 * step along `right` and `down`, which are orthogonal) passes through.
 */
export function markerRings(frame: PixelFrame, markers: readonly LesionMarker[]): MarkerRing[] {
  const normal = cross(frame.right, frame.down);
  const length = Math.hypot(...normal);
  const pixelMm = Math.hypot(...frame.right);
  const rings: MarkerRing[] = [];
  for (const { centre, radiusMm } of markers) {
    const offset = sub(centre, frame.origin);
    const depth = dot(offset, normal) / length;
    if (Math.abs(depth) > radiusMm) continue;
    rings.push({
      x: dot(offset, frame.right) / dot(frame.right, frame.right),
      y: dot(offset, frame.down) / dot(frame.down, frame.down),
      radius: Math.max(MIN_RING_PX, Math.sqrt(radiusMm ** 2 - depth ** 2) / pixelMm),
    });
  }
  return rings;
}
