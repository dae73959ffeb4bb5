"""Our DICOM → volume conversion agrees with dcm2niix, the reference converter (its PyPI package
ships the binary), on orientation and voxels: every voxel of ours lands, through the two affines,
on a voxel of dcm2niix's with the same value. dcm2niix may store the slices flipped or permuted;
the comparison goes through world coordinates, so only a disagreement about where a voxel lies or
what it holds fails."""

import subprocess
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from dcm2niix import bin_path as DCM2NIIX

from imaging.dicom_series import read_dicom_tree
from tests.imaging.dicom_builders import AXIAL, OBLIQUE, SAGITTAL, write_series

GEOMETRIES = {
    "axial": dict(orientation=AXIAL),
    "sagittal": dict(orientation=SAGITTAL, slice_spacing=1.2),
    "oblique": dict(orientation=OBLIQUE, pixel_spacing=(0.7, 0.9), slice_spacing=3.0),
    "rescaled": dict(orientation=AXIAL, slope=0.5, intercept=-100.0),
}


def dcm2niix(folder: Path, out: Path) -> nib.Nifti1Image:
    out.mkdir()
    subprocess.run(
        [str(DCM2NIIX), "-z", "n", "-b", "n", "-f", "converted", "-o", str(out), str(folder)],
        check=True,
        capture_output=True,
    )
    [converted] = out.glob("converted*.nii")
    return nib.load(converted)


@pytest.mark.parametrize("geometry", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_each_voxel_lies_where_dcm2niix_puts_it_and_holds_its_value(tmp_path, geometry):
    written = write_series(tmp_path / "series", description="AX FLAIR", **geometry)
    [ours] = read_dicom_tree(written.folder).series
    reference = dcm2niix(written.folder, tmp_path / "dcm2niix")

    ijk = np.indices(ours.array.shape).reshape(3, -1)
    ours_to_reference = np.linalg.inv(reference.affine) @ ours.affine
    mapped = ours_to_reference[:3, :3] @ ijk + ours_to_reference[:3, 3:]
    landing = np.rint(mapped).astype(int)

    assert np.abs(mapped - landing).max() < 1e-3  # on voxel centres, not between them
    assert ((landing >= 0) & (landing < np.array(reference.shape)[:, None])).all()
    reference_values = np.asanyarray(reference.get_fdata())[tuple(landing)]
    np.testing.assert_allclose(ours.array[tuple(ijk)], reference_values, atol=1e-3)
