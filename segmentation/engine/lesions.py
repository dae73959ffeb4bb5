"""Lesions: the 26-connected components of a label map's foreground, measured in physical units.

Plain numpy/scipy; takes arrays and affines, returns records. Volumes use the voxel volume
|det(A[:3, :3])| so oblique and anisotropic grids are measured correctly.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

CONNECTIVITY_26 = np.ones((3, 3, 3), dtype=bool)


@dataclass(frozen=True)
class LesionMeasure:
    index: int  # 1 = largest
    label: int  # the label covering most voxels of the component
    label_voxels: dict[int, int]
    voxel_count: int
    volume_ml: float
    centroid_mm: tuple[float, float, float]
    bbox: tuple[tuple[int, int, int], tuple[int, int, int]]  # inclusive voxel corners


def voxel_volume_ml(affine: np.ndarray) -> float:
    return float(abs(np.linalg.det(np.asarray(affine)[:3, :3]))) / 1000.0


def find_lesions(label_map: np.ndarray, affine: np.ndarray) -> list[LesionMeasure]:
    """The connected components of ``label_map > 0``, largest first (ties by position)."""
    components, count = ndimage.label(label_map > 0, structure=CONNECTIVITY_26)
    voxel_ml = voxel_volume_ml(affine)
    found = []
    for number, box in enumerate(ndimage.find_objects(components), start=1):
        inside = components[box] == number
        labels, counts = np.unique(label_map[box][inside], return_counts=True)
        offsets = np.argwhere(inside)
        start = np.array([s.start for s in box])
        centroid_voxel = offsets.mean(axis=0) + start
        centroid_mm = np.asarray(affine) @ np.append(centroid_voxel, 1.0)
        found.append(
            (
                int(inside.sum()),
                tuple(int(v) for v in start),
                dict(zip((int(v) for v in labels), (int(c) for c in counts), strict=True)),
                tuple(float(round(c, 3)) for c in centroid_mm[:3]),
                tuple(int(s.stop - 1) for s in box),
            )
        )
    found.sort(key=lambda f: (-f[0], f[1]))
    return [
        LesionMeasure(
            index=i,
            label=max(label_voxels, key=lambda k: (label_voxels[k], -k)),
            label_voxels=label_voxels,
            voxel_count=voxels,
            volume_ml=voxels * voxel_ml,
            centroid_mm=centroid,
            bbox=(start, stop),
        )
        for i, (voxels, start, label_voxels, centroid, stop) in enumerate(found, start=1)
    ]
