"""Healthy anatomy for the synthetic cohort: tissue fractions from the MNI ICBM152 2009 templates
that nilearn ships in its wheel (no download), on a 1 mm or 2 mm RAS grid.

CSF has no template; brain mask minus grey and white matter stands in for it. The ventricles are
the large deep CSF components, which MS lesions gather around.
"""

import dataclasses
import functools

import numpy as np
from nilearn import datasets
from scipy import ndimage

ATTRIBUTION = (
    "Derived from the MNI ICBM152 2009 nonlinear symmetric templates (via nilearn). "
    "Copyright (C) 1993-2009 Louis Collins, McConnell Brain Imaging Centre, "
    "Montreal Neurological Institute, McGill University."
)

_VENTRICLE_DEPTH_MM = 20.0  # CSF deeper than this inside the brain is ventricular, not sulcal
_VENTRICLE_MIN_ML = 1.0  # drops small deep CSF specks (e.g. partial-volume rims)


@dataclasses.dataclass(frozen=True, eq=False)
class Anatomy:
    """Tissue fractions (float32, 0 outside the brain) and distance maps on one voxel grid."""

    affine: np.ndarray  # voxel index -> RAS mm
    wm: np.ndarray
    gm: np.ndarray
    csf: np.ndarray
    brain: np.ndarray  # bool
    depth_mm: np.ndarray  # distance to the outside of the brain
    ventricle_distance_mm: np.ndarray  # distance to the nearest ventricle voxel

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.wm.shape

    @property
    def spacing(self) -> np.ndarray:
        return np.linalg.norm(self.affine[:3, :3], axis=0)

    @property
    def voxel_ml(self) -> float:
        return float(np.prod(self.spacing)) / 1000.0

    def to_world(self, index: np.ndarray) -> np.ndarray:
        """RAS mm of voxel indices, shape (..., 3)."""
        return np.asarray(index, dtype=np.float64) @ self.affine[:3, :3].T + self.affine[:3, 3]

    def to_index(self, world: np.ndarray) -> np.ndarray:
        """Fractional voxel indices of RAS mm points, shape (..., 3)."""
        inverse = np.linalg.inv(self.affine)
        return np.asarray(world, dtype=np.float64) @ inverse[:3, :3].T + inverse[:3, 3]

    def box(self, centre_mm: np.ndarray, radius_mm: float) -> tuple[tuple[slice, ...], np.ndarray]:
        """The grid slices around a ball and the RAS mm of their voxels, shape (x, y, z, 3).

        Lesions are rasterised in such boxes, which keeps 1 mm cohorts fast and small in memory.
        """
        centre = self.to_index(centre_mm)
        reach = radius_mm / self.spacing
        lower = np.clip(np.floor(centre - reach).astype(int), 0, self.shape)
        upper = np.clip(np.ceil(centre + reach).astype(int) + 1, 0, self.shape)
        slices = tuple(slice(lo, hi) for lo, hi in zip(lower, upper, strict=True))
        grid = np.stack(
            np.meshgrid(*(np.arange(s.start, s.stop) for s in slices), indexing="ij"), -1
        )
        return slices, self.to_world(grid)


@functools.cache
def load_anatomy(resolution: int) -> Anatomy:
    """The anatomy at 1 or 2 mm, cached per process (loading and the distance maps take seconds)."""
    brain = np.asarray(datasets.load_mni152_brain_mask(resolution=resolution).dataobj) > 0
    gm_image = datasets.load_mni152_gm_template(resolution=resolution)
    wm = _fraction(datasets.load_mni152_wm_template(resolution=resolution), brain)
    gm = _fraction(gm_image, brain)
    csf = np.where(brain, np.clip(1.0 - gm - wm, 0.0, 1.0), 0.0).astype(np.float32)
    spacing = np.linalg.norm(gm_image.affine[:3, :3], axis=0)
    depth = ndimage.distance_transform_edt(brain, sampling=spacing).astype(np.float32)
    ventricles = _ventricles(csf, depth, float(np.prod(spacing)) / 1000.0)
    ventricle_distance = ndimage.distance_transform_edt(~ventricles, sampling=spacing)
    return Anatomy(
        affine=gm_image.affine.copy(),
        wm=wm,
        gm=gm,
        csf=csf,
        brain=brain,
        depth_mm=depth,
        ventricle_distance_mm=ventricle_distance.astype(np.float32),
    )


def _fraction(image, brain: np.ndarray) -> np.ndarray:
    # The 2 mm templates are resampled and carry tiny negatives; fractions live in [0, 1].
    return np.where(brain, np.clip(np.asarray(image.dataobj, dtype=np.float32), 0, 1), 0).astype(
        np.float32
    )


def _ventricles(csf: np.ndarray, depth: np.ndarray, voxel_ml: float) -> np.ndarray:
    deep_csf = (csf > 0.5) & (depth > _VENTRICLE_DEPTH_MM)
    components, count = ndimage.label(deep_csf)
    sizes = np.bincount(components.ravel(), minlength=count + 1) * voxel_ml
    keep = sizes >= _VENTRICLE_MIN_ML
    keep[0] = False
    return keep[components]
