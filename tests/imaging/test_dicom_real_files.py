"""read_dicom_tree on real files that packages ship: pydicom's test files, in each compressed
transfer syntax the pylibjpeg plug-ins decode, and its DICOMDIR media."""

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from imaging.dicom_series import read_dicom_tree
from imaging.errors import ImagingInputError
from imaging.sequences import Sequence

COMPRESSED_MR = pytest.mark.parametrize(
    "name",
    ["MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm", "MR_small_RLE.dcm"],
    ids=["jpeg-ls", "jpeg-2000", "rle"],
)


def stack_of(name: str, folder, slices: int = 3) -> str:
    """``slices`` copies of pydicom's file ``name`` (64 × 64, 0.8 mm thick), moved 0.8 mm apart
    along the slice normal as one series, its pixel data left as encoded; returns its UID."""
    series_uid = generate_uid()
    folder.mkdir()
    for k in range(slices):
        ds = pydicom.dcmread(get_testdata_file(name))
        ds.SeriesInstanceUID = series_uid
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.ImagePositionPatient[2] += 0.8 * k
        ds.save_as(folder / f"{k}.dcm")
    return series_uid


@COMPRESSED_MR
def test_compressed_mr_reads_the_same_volume_as_uncompressed(tmp_path, name):
    plain = stack_of("MR_small.dcm", tmp_path / "plain")
    packed = stack_of(name, tmp_path / "packed")
    overrides = {plain: Sequence.T1, packed: Sequence.T2}  # MR_small is DERIVED, SECONDARY

    tree = read_dicom_tree(tmp_path, sequence_overrides=overrides)

    volumes = {s.sequence: s for s in tree.series}
    reference = pydicom.dcmread(get_testdata_file("MR_small.dcm")).pixel_array.T
    assert volumes[Sequence.T2].array.shape == (64, 64, 3)
    np.testing.assert_array_equal(volumes[Sequence.T2].array[:, :, 1], reference)
    np.testing.assert_array_equal(volumes[Sequence.T2].array, volumes[Sequence.T1].array)
    np.testing.assert_array_equal(volumes[Sequence.T2].affine, volumes[Sequence.T1].affine)


def test_jpeg_lossless_decodes_to_the_pixels_of_its_rle_twin():
    """pydicom ships JPEG Lossless (process 14) only as a colour image, which the importer
    refuses; the plug-in that decodes it is checked on that file."""
    jpeg = pydicom.dcmread(get_testdata_file("SC_rgb_jpeg_gdcm.dcm"))
    assert jpeg.file_meta.TransferSyntaxUID == pydicom.uid.JPEGLosslessSV1
    rle = pydicom.dcmread(get_testdata_file("SC_rgb_rle.dcm"))
    np.testing.assert_array_equal(jpeg.pixel_array, rle.pixel_array)


def dicomdir_media(tmp_path):
    """pydicom's dicomdirtests media (its DICOMDIR and three patients' CR, CT and MR studies),
    without TINY_ALPHA, a second media set whose images have no pixel module."""
    source = Path(get_testdata_file("DICOMDIR", read=False)).parent
    shutil.copytree(source, tmp_path / "media", ignore=shutil.ignore_patterns("TINY_ALPHA"))
    return tmp_path / "media"


def test_every_series_a_dicomdir_references_is_seen_with_its_files(tmp_path):
    media = dicomdir_media(tmp_path)
    referenced: dict[str, int] = {}
    for record in pydicom.dcmread(media / "DICOMDIR").DirectoryRecordSequence:
        if record.DirectoryRecordType == "SERIES":
            series_uid = str(record.SeriesInstanceUID)
        elif record.DirectoryRecordType == "IMAGE":
            referenced[series_uid] = referenced.get(series_uid, 0) + 1

    tree = read_dicom_tree(media)

    assert {s.series_uid: s.files for s in tree.seen} == referenced


def test_the_localizers_ct_and_radiographs_of_dicomdir_media_are_left_out_with_why(tmp_path):
    tree = read_dicom_tree(dicomdir_media(tmp_path))

    assert tree.series == []
    reasons = {(s.description, s.left_out) for s in tree.seen}
    assert ("FAST LOCALIZER", "localizer") in reasons
    assert ("T/S/C RF FAST PILOT", "localizer") in reasons
    assert ("Routine Brain", "modality CT, not MR") in reasons
    assert ("Cervical LAT", "modality CR, not MR") in reasons
    assert (
        "ANGIO Projected from   C",
        "reformat or projection (ImageType PROJECTION IMAGE)",
    ) in reasons


def test_a_file_a_dicomdir_references_but_the_media_lacks_is_named(tmp_path):
    media = dicomdir_media(tmp_path)
    (media / "98892003" / "MR700" / "4648").unlink()

    with pytest.raises(ImagingInputError, match="references 98892003/MR700/4648, which is missing"):
        read_dicom_tree(media)
