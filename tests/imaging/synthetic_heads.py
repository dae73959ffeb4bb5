"""Synthetic heads (the cohort's healthy brain with skull and scalp) and clinical acquisitions of
them, shared by the preprocessing tests. Built once per process: a 2 mm head takes a second."""

import functools

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from imaging.registration import image_array, sitk_image
from imaging.synthetic.anatomy import load_anatomy
from imaging.synthetic.contrasts import render_exam
from imaging.synthetic.head import Head, add_head


@functools.cache
def healthy_head(resolution: int, seed: int = 3) -> Head:
    anatomy = load_anatomy(resolution)
    images = render_exam(
        anatomy, np.zeros(anatomy.shape, np.uint8), {}, np.random.default_rng([seed, 0])
    )
    return add_head(anatomy, images, np.random.default_rng([seed, 1]))


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
