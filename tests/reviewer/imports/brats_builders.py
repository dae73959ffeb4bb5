"""Small BraTS exam folders written in the tests, in either layout and orientation."""

import gzip
from pathlib import Path

import nibabel as nib
import numpy as np

SHAPE = (12, 10, 8)
RAS_AFFINE = np.diag([1.5, 1.5, 2.0, 1.0])
RAS_AFFINE[:3, 3] = [-9.0, -7.5, -8.0]
SUFFIXES = {
    "2020": {"flair": "flair", "t1": "t1", "t1ce": "t1ce", "t2": "t2", "seg": "seg"},
    "2023": {"flair": "t2f", "t1": "t1n", "t1ce": "t1c", "t2": "t2w", "seg": "seg"},
}


def label_map(enhancing: int = 4) -> np.ndarray:
    labels = np.zeros(SHAPE, dtype=np.uint8)
    labels[3:9, 2:8, 2:6] = 2  # oedema
    labels[4:8, 3:7, 3:5] = enhancing
    labels[5:7, 4:6, 3:5] = 1  # necrosis
    labels[0:2, 0:2, 0:2] = 2  # a second, separate lesion of 8 voxels
    return labels


def images(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        key: rng.integers(0, 4000, SHAPE).astype(np.int16) for key in ("flair", "t1", "t1ce", "t2")
    }


def to_lps(array: np.ndarray, affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same voxels in physical space, stored with x and y axes flipped (an LPS affine)."""
    flip = np.diag([-1.0, -1.0, 1.0, 1.0])
    flip[0, 3] = array.shape[0] - 1
    flip[1, 3] = array.shape[1] - 1
    return array[::-1, ::-1, :].copy(), affine @ flip


def write_exam_folder(
    root: Path,
    name: str,
    *,
    layout: str = "2020",
    extension: str = ".nii.gz",
    lps: bool = False,
    enhancing: int = 4,
    seed: int = 0,
    with_segmentation: bool = True,
    skip: tuple[str, ...] = (),
) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    volumes = images(seed)
    if with_segmentation:
        volumes["seg"] = label_map(enhancing)
    for key, array in volumes.items():
        if key in skip:
            continue
        affine = RAS_AFFINE
        if lps:
            array, affine = to_lps(array, affine)
        write_nifti(folder / f"{name}_{SUFFIXES[layout][key]}{extension}", array, affine)
    return folder


def write_nifti(path: Path, array: np.ndarray, affine: np.ndarray) -> None:
    data = nib.Nifti1Image(array, affine).to_bytes()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
