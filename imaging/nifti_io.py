"""NIfTI reading and writing. Every volume NeuroReview stores is reoriented to the closest RAS
orientation, so that all sequences, exams and label maps index voxels the same way whatever the
source wrote (BraTS ships LPS and RAS affines; DICOM is converted here too)."""

import gzip
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np

from imaging.errors import ImagingInputError

AFFINE_TOLERANCE_MM = 1e-3


@dataclass(frozen=True)
class Volume:
    image: nib.Nifti1Image  # RAS-oriented

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(int(n) for n in self.image.shape[:3])

    @property
    def affine(self) -> np.ndarray:
        return self.image.affine

    @property
    def spacing(self) -> tuple[float, float, float]:
        return tuple(float(s) for s in np.sqrt((self.affine[:3, :3] ** 2).sum(axis=0)))

    def array(self) -> np.ndarray:
        return np.asanyarray(self.image.dataobj)

    def to_bytes(self) -> bytes:
        """Gzipped NIfTI with a fixed mtime: the same volume always has the same content hash."""
        return gzip.compress(self.image.to_bytes(), compresslevel=6, mtime=0)


def load_volume(path: Path) -> Volume:
    """A 3D NIfTI volume from disk, reoriented to RAS; errors name the file."""
    try:
        image = nib.load(str(path))
        if not isinstance(image, nib.Nifti1Image | nib.Nifti2Image):
            raise ImagingInputError(path, "not a NIfTI-1 or NIfTI-2 image")
        if image.ndim == 4 and image.shape[3] == 1:
            image = image.slicer[..., 0]
        if image.ndim != 3:
            raise ImagingInputError(path, f"expected a 3D volume, found shape {image.shape}")
        canonical = nib.as_closest_canonical(image)
        data = np.asanyarray(canonical.dataobj)  # reads every byte: truncation fails here
    except ImagingInputError:
        raise
    except Exception as error:  # nibabel raises many types for damaged files
        raise ImagingInputError(path, f"unreadable NIfTI ({error})") from error
    if (
        not np.isfinite(canonical.affine).all()
        or abs(np.linalg.det(canonical.affine[:3, :3])) < 1e-9
    ):
        raise ImagingInputError(path, "the affine is not a valid voxel-to-scanner transform")
    if np.issubdtype(data.dtype, np.floating) and not np.isfinite(data).all():
        raise ImagingInputError(path, "the volume contains NaN or infinite values")
    return Volume(nib.Nifti1Image(data, canonical.affine, header=_clean_header(canonical)))


def volume_from_array(array: np.ndarray, affine: np.ndarray) -> Volume:
    image = nib.Nifti1Image(array, affine)
    return Volume(nib.as_closest_canonical(image))


def check_same_grid(reference: tuple[Path, Volume], others: dict[Path, Volume]) -> None:
    """All volumes of an exam (sequences and label maps) must share shape and affine."""
    ref_path, ref = reference
    for path, volume in others.items():
        if volume.shape != ref.shape:
            raise ImagingInputError(
                path, f"shape {volume.shape} differs from {ref.shape} of {Path(ref_path).name}"
            )
        if not np.allclose(volume.affine, ref.affine, atol=AFFINE_TOLERANCE_MM):
            raise ImagingInputError(
                path, f"affine differs from that of {Path(ref_path).name} (not co-registered)"
            )


def _clean_header(image: nib.Nifti1Image) -> nib.Nifti1Header:
    header = image.header.copy()
    header["descrip"] = b""  # free text can carry identifiers
    header["db_name"] = b""
    header["aux_file"] = b""
    return header
