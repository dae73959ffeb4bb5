"""Synthetic heads (the cohort's healthy brain with skull and scalp) and clinical acquisitions of
them, shared by the preprocessing tests. Built once per process: a 2 mm head takes a second."""

import functools

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from imaging.registration import image_array, sitk_image
from imaging.sequences import Sequence
from imaging.synthetic.anatomy import load_anatomy
from imaging.synthetic.contrasts import render_exam
from imaging.synthetic.head import Head, add_head


@functools.cache
def healthy_exam(resolution: int, seed: int = 3) -> dict[Sequence, np.ndarray]:
    """The cohort's four sequences of a brain without lesions, skull-stripped."""
    anatomy = load_anatomy(resolution)
    return render_exam(
        anatomy, np.zeros(anatomy.shape, np.uint8), {}, np.random.default_rng([seed, 0])
    )


@functools.cache
def healthy_head(resolution: int, seed: int = 3) -> Head:
    """That exam inside its head."""
    anatomy = load_anatomy(resolution)
    return add_head(anatomy, healthy_exam(resolution, seed), np.random.default_rng([seed, 1]))


def acquire(
    array: np.ndarray, affine: np.ndarray, grid_affine: np.ndarray, shape, slab_mm: float = 0.0
) -> np.ndarray:
    """What a scanner records on ``grid_affine``'s grid from the volume placed at ``affine``:
    trilinear samples, after averaging over a slab of ``slab_mm`` along the volume's third axis
    (a thick 2D slice)."""
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    sigma = [0.0, 0.0, slab_mm / 2.355 / spacing[2]]  # the slab as a Gaussian's full width
    source = sitk_image(ndimage.gaussian_filter(array.astype(np.float32), sigma), affine)
    grid = sitk_image(np.zeros(shape, np.float32), grid_affine)
    return image_array(sitk.Resample(source, grid, sitk.Transform(), sitk.sitkLinear, 0.0))


def on_head_grid(head: Head, array: np.ndarray, resolution: int) -> np.ndarray:
    """An array on the anatomy's grid (a tissue map, say) placed on the head's larger grid."""
    corner = np.linalg.solve(head.affine, load_anatomy(resolution).affine @ [0, 0, 0, 1])[:3]
    start = np.rint(corner).astype(int)
    placed = np.zeros(head.brain.shape, array.dtype)
    placed[tuple(slice(s, s + n) for s, n in zip(start, array.shape, strict=True))] = array
    return placed
