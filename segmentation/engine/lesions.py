"""Lesions: the 26-connected components of a label map's foreground, measured in physical units.

Plain numpy/scipy; takes arrays and affines, returns records. Volumes use the voxel volume
|det(A[:3, :3])| so oblique and anisotropic grids are measured correctly.

Every component is measured in one pass over the foreground voxels (sizes, centroids and label
counts by bincount, boxes by find_objects), never one component at a time, so that a noisy map
of tens of thousands of specks is measured in about the time its labelling takes. A component
smaller than a given minimum volume is measured like the others but marked ``below_minimum``: it
is counted and listable, not a lesion to review.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

CONNECTIVITY_26 = np.ones((3, 3, 3), dtype=bool)
# a component of exactly the minimum volume is a lesion, whatever the float rounding of n × voxel
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class LesionMeasure:
    index: int  # 1 = largest
    label: int  # the label covering most voxels of the component (the lowest on a tie)
    label_voxels: dict[int, int]
    voxel_count: int
    volume_ml: float
    centroid_mm: tuple[float, float, float]
    bbox: tuple[tuple[int, int, int], tuple[int, int, int]]  # inclusive voxel corners
    below_minimum: bool = False


def voxel_volume_ml(affine: np.ndarray) -> float:
    return float(abs(np.linalg.det(np.asarray(affine)[:3, :3]))) / 1000.0


def find_lesions(
    label_map: np.ndarray, affine: np.ndarray, minimum_ml: float | None = None
) -> list[LesionMeasure]:
    """The connected components of ``label_map > 0``, largest first (ties by the box's first
    corner), those smaller than ``minimum_ml`` marked below the minimum (None: none is)."""
    label_map = np.asarray(label_map)
    components, count = ndimage.label(label_map > 0, structure=CONNECTIVITY_26)
    if count == 0:
        return []
    inside = np.flatnonzero(components)
    numbers = components.ravel()[inside]
    sizes = np.bincount(numbers, minlength=count + 1)[1:]
    voxel_sums = np.stack(
        [
            np.bincount(numbers, weights=axis, minlength=count + 1)[1:]
            for axis in np.unravel_index(inside, components.shape)
        ],
        axis=1,
    )
    affine = np.asarray(affine, dtype=float)
    centroids = np.round((voxel_sums / sizes[:, None]) @ affine[:3, :3].T + affine[:3, 3], 3)

    values = label_map.ravel()[inside]
    present = np.unique(values)
    label_counts = np.stack(
        [np.bincount(numbers[values == v], minlength=count + 1)[1:] for v in present], axis=1
    )
    main_label = present[np.argmax(label_counts, axis=1)]  # argmax: the lowest label on a tie

    boxes = ndimage.find_objects(components)
    starts = np.array([[s.start for s in box] for box in boxes], dtype=np.int64)
    stops = np.array([[s.stop - 1 for s in box] for box in boxes], dtype=np.int64)

    volumes = sizes * voxel_volume_ml(affine)
    below = (
        np.zeros(count, dtype=bool)
        if minimum_ml is None
        else volumes < minimum_ml * (1 - _TOLERANCE)
    )
    order = np.lexsort((starts[:, 2], starts[:, 1], starts[:, 0], -sizes))
    labels = present.tolist()
    columns = zip(
        main_label[order].tolist(),
        label_counts[order].tolist(),
        sizes[order].tolist(),
        volumes[order].tolist(),
        centroids[order].tolist(),
        starts[order].tolist(),
        stops[order].tolist(),
        below[order].tolist(),
        strict=True,
    )
    return [
        LesionMeasure(
            index=rank,
            label=label,
            label_voxels={v: n for v, n in zip(labels, counts, strict=True) if n},
            voxel_count=size,
            volume_ml=volume,
            centroid_mm=tuple(centroid),
            bbox=(tuple(start), tuple(stop)),
            below_minimum=is_below,
        )
        for rank, (label, counts, size, volume, centroid, start, stop, is_below) in enumerate(
            columns, start=1
        )
    ]
