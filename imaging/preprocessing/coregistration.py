"""Co-registration of an exam's sequences to one reference sequence, then resampling of all of
them onto one 1 mm isotropic grid, as BraTS prepares its exams.

Clinical sequences come on their own grids (a sagittal 3D FLAIR, an axial T2 with 5 mm slices,
3D T1s with other fields of view) and the patient may move between them, so each is registered
rigidly to the reference by imaging.registration (the method the viewer uses for priors). The
common grid is aligned with the RAS axes, like BraTS's, and covers the reference's extent.
"""

import dataclasses
import math
import time
from collections.abc import Mapping

import numpy as np

from imaging.registration import (
    LPS_FROM_RAS,
    METHOD,
    resample_onto,
    rigid_registration,
    sitk_image,
)
from imaging.sequences import Sequence

Volume = tuple[np.ndarray, np.ndarray]  # (i, j, k) voxels and their voxel-to-RAS-mm affine


@dataclasses.dataclass(frozen=True, eq=False)
class Coregistered:
    volumes: dict[Sequence, np.ndarray]  # float32 on the common grid (0 outside a sequence)
    affine: np.ndarray  # the common grid's voxel-to-RAS-mm affine
    transforms: dict[Sequence, np.ndarray]  # 4x4: a sequence's RAS mm -> the reference's
    coverage: dict[Sequence, np.ndarray]  # bool on the common grid: inside a sequence's field
    record: dict  # JSON-ready: method, reference, grid, per-sequence transform and metric


def coregister(
    volumes: Mapping[Sequence, Volume],
    reference: Sequence,
    spacing_mm: float = 1.0,
    *,
    registered: bool = True,
) -> Coregistered:
    """Register every sequence to ``reference`` and resample all onto a ``spacing_mm`` grid;
    with ``registered`` False (sequences on one grid already) only resample."""
    started = time.monotonic()
    fixed = sitk_image(*volumes[reference])
    affine, shape = _grid_over(*volumes[reference], spacing_mm)
    grid = sitk_image(np.zeros(shape, np.float32), affine)
    resampled, transforms, coverage, steps = {}, {}, {}, {}
    for sequence, volume in volumes.items():
        moving = sitk_image(*volume)
        if sequence is reference or not registered:
            matrix_lps, metric = np.eye(4), None
        else:
            matrix_lps, metric = rigid_registration(fixed, moving)
        resampled[sequence] = resample_onto(moving, grid, matrix_lps)
        inside = sitk_image(np.ones(volume[0].shape, np.float32), volume[1])
        coverage[sequence] = resample_onto(inside, grid, matrix_lps) > 0.5
        # LPS_FROM_RAS is its own inverse.
        transforms[sequence] = LPS_FROM_RAS @ matrix_lps @ LPS_FROM_RAS
        steps[sequence.value] = _describe(transforms[sequence], metric)
    record = {
        "step": "coregistration",
        "method": METHOD if registered else "none: the sequences share one grid",
        "reference": reference.value,
        "interpolation": "linear",
        "grid": {"spacing_mm": spacing_mm, "shape": list(shape), "affine": affine.tolist()},
        "sequences": steps,
        "seconds": round(time.monotonic() - started, 1),
    }
    return Coregistered(resampled, affine, transforms, coverage, record)


def _grid_over(array: np.ndarray, affine: np.ndarray, spacing_mm: float):
    """A RAS-aligned grid of ``spacing_mm`` voxels covering the volume's extent (voxel edges,
    not centres): its affine and shape."""
    shape = np.array(array.shape)
    corners = np.array(np.meshgrid(*[(-0.5, n - 0.5) for n in shape], indexing="ij")).reshape(3, -1)
    world = affine[:3, :3] @ corners + affine[:3, 3:4]
    low, high = world.min(axis=1), world.max(axis=1)
    size = np.maximum(np.ceil((high - low) / spacing_mm - 1e-6).astype(int), 1)
    grid = np.diag([spacing_mm, spacing_mm, spacing_mm, 1.0])
    grid[:3, 3] = low + spacing_mm / 2
    return grid, tuple(int(n) for n in size)


def _describe(matrix_ras: np.ndarray, metric: float | None) -> dict:
    rotation = matrix_ras[:3, :3]
    cosine = np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0)
    return {
        "moving_to_reference_ras": np.round(matrix_ras, 6).tolist(),
        "rotation_deg": round(math.degrees(math.acos(cosine)), 2),
        "translation_mm": round(float(np.linalg.norm(matrix_ras[:3, 3])), 2),
        "mattes_mi": None if metric is None else round(metric, 4),
    }
