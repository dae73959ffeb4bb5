"""read_dicom_tree: geometry checked against SimpleITK (GDCM) and against PS3.3 C.7.6.2.1.1,
and every kind of bad input refused with the file or series named."""

import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from imaging.dicom_series import read_dicom_tree
from imaging.errors import ImagingInputError
from imaging.sequences import Sequence
from tests.imaging.dicom_builders import AXIAL, OBLIQUE, SAGITTAL, write_enhanced, write_series

CORONAL = ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0))

ORIENTATIONS = pytest.mark.parametrize(
    "orientation", [AXIAL, SAGITTAL, OBLIQUE], ids=["axial", "sagittal", "oblique"]
)


def _zip_folder(folder: Path, zip_path: Path) -> Path:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder).as_posix())
    return zip_path


@ORIENTATIONS
def test_voxels_lie_where_simpleitk_puts_them_with_the_same_values(tmp_path, orientation):
    write_series(tmp_path / "series", orientation=orientation, slope=0.5, intercept=-3.0)
    [series] = read_dicom_tree(tmp_path / "series").series

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(tmp_path / "series")))
    image = reader.Execute()
    reference = sitk.GetArrayFromImage(image)  # indexed [k, j, i]
    index_to_lps = np.array(image.GetDirection()).reshape(3, 3) @ np.diag(image.GetSpacing())

    ijk = np.indices(series.array.shape).reshape(3, -1)
    ras = series.affine @ np.vstack([ijk, np.ones(ijk.shape[1])])
    lps = ras[:3] * np.array([[-1.0], [-1.0], [1.0]])
    sitk_index = np.linalg.solve(index_to_lps, lps - np.array(image.GetOrigin())[:, None])
    assert np.allclose(sitk_index, np.round(sitk_index), atol=1e-4)
    i, j, k = np.round(sitk_index).astype(int)
    assert len(set(zip(i, j, k, strict=True))) == ijk.shape[1]
    assert np.allclose(reference[k, j, i], series.array.reshape(-1))


@ORIENTATIONS
def test_affine_maps_each_pixel_to_its_dicom_patient_position_in_ras(tmp_path, orientation):
    written = write_series(tmp_path, orientation=orientation)
    [series] = read_dicom_tree(tmp_path).series
    row_spacing, column_spacing = written.pixel_spacing
    r, c = np.array(written.orientation[0]), np.array(written.orientation[1])
    for k, position in enumerate(written.positions):
        for i, j in [(0, 0), (11, 0), (0, 9), (5, 7)]:
            lps = position + i * column_spacing * r + j * row_spacing * c
            ras = series.affine @ [i, j, k, 1]
            assert np.allclose(ras[:3], lps * [-1, -1, 1], atol=1e-6)
    assert series.spacing == pytest.approx((0.8, 0.9, 2.0))


def test_volume_holds_rescaled_values_in_slice_order_whatever_the_file_names(tmp_path):
    written = write_series(tmp_path, slope=2.5, intercept=-100.0)
    [series] = read_dicom_tree(tmp_path).series
    assert series.array.dtype == np.float32 and series.array.shape == (12, 10, 6)
    np.testing.assert_allclose(series.array, written.values)
    assert list(series.files) == [path.relative_to(tmp_path) for path in written.files]
    assert [f.name for f in series.files] != sorted(f.name for f in series.files)


def test_series_fields_come_from_the_header_and_exclude_pixels(tmp_path):
    written = write_series(tmp_path, patient_id="PAT-42", study_date="20210304")
    [series] = read_dicom_tree(tmp_path).series
    assert (series.study_uid, series.series_uid) == (written.study_uid, written.series_uid)
    assert (series.patient_id, series.study_date, series.modality) == ("PAT-42", "20210304", "MR")
    assert series.series_description == "AX FLAIR"
    assert "PixelData" not in series.first_dataset
    assert series.first_dataset.InstanceNumber == 1


def test_series_are_grouped_by_study_and_series_uid_across_subfolders(tmp_path):
    first = write_series(tmp_path / "a" / "mixed", description="T2 AX")
    second = write_series(tmp_path / "b", study_uid=first.study_uid, description="T1 MPRAGE")
    for path in second.files[:3]:  # a series split over two folders is still one series
        path.rename(tmp_path / "a" / "mixed" / f"other-{path.name}")
    series = read_dicom_tree(tmp_path).series
    assert {(s.series_uid, s.sequence, s.array.shape[2]) for s in series} == {
        (first.series_uid, Sequence.T2, 6),
        (second.series_uid, Sequence.T1, 6),
    }


def test_sequence_is_recognized_from_the_series_description(tmp_path):
    write_series(tmp_path, description="T1 post Gd")
    assert read_dicom_tree(tmp_path).series[0].sequence is Sequence.T1CE


def test_unrecognized_description_leaves_the_series_out_with_the_reason(tmp_path):
    write_series(tmp_path, description="SE 5000/120")
    tree = read_dicom_tree(tmp_path)
    assert tree.series == []
    assert tree.seen[0].left_out == "not recognized as FLAIR, T1, T1CE or T2 (give an override)"


def test_override_by_series_uid_wins_over_description_and_its_override(tmp_path):
    written = write_series(tmp_path, description="AX FLAIR")
    overrides = {"AX FLAIR": Sequence.T2, written.series_uid: "T1CE"}
    [series] = read_dicom_tree(tmp_path, sequence_overrides=overrides).series
    assert series.sequence is Sequence.T1CE


def test_override_by_series_description_wins_over_recognition(tmp_path):
    write_series(tmp_path, description="AX FLAIR")
    overrides = {"AX FLAIR": Sequence.T2}
    assert read_dicom_tree(tmp_path, sequence_overrides=overrides).series[0].sequence is Sequence.T2


def test_override_naming_an_unknown_sequence_is_refused(tmp_path):
    write_series(tmp_path)
    with pytest.raises(ImagingInputError, match="'DWI' is not one of FLAIR, T1, T1CE, T2"):
        read_dicom_tree(tmp_path, sequence_overrides={"AX FLAIR": "DWI"})


def test_hidden_files_and_objects_without_pixels_are_skipped(tmp_path):
    written = write_series(tmp_path)
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "._IM0001").write_bytes(b"resource fork")
    report = pydicom.dcmread(written.files[0])
    del report.PixelData, report.Rows, report.Columns
    report.SOPClassUID = report.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.88.33"
    report.SOPInstanceUID = report.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    report.save_as(tmp_path / "SR0001")
    [series] = read_dicom_tree(tmp_path).series
    assert len(series.files) == 6


def test_an_unreadable_dicomdir_is_refused_naming_it(tmp_path):
    write_series(tmp_path)
    (tmp_path / "DICOMDIR").write_bytes(b"not a DICOMDIR")
    with pytest.raises(ImagingInputError, match="unreadable DICOMDIR") as caught:
        read_dicom_tree(tmp_path)
    assert caught.value.source == str(tmp_path / "DICOMDIR")


def test_empty_folder_is_refused(tmp_path):
    with pytest.raises(ImagingInputError, match="no DICOM image") as caught:
        read_dicom_tree(tmp_path)
    assert caught.value.source == str(tmp_path)


def test_missing_path_is_refused(tmp_path):
    with pytest.raises(ImagingInputError, match="no such folder"):
        read_dicom_tree(tmp_path / "absent")


def test_file_that_is_not_dicom_is_refused_naming_it(tmp_path):
    write_series(tmp_path)
    (tmp_path / "notes.txt").write_text("Patient was anxious during the scan.\n")
    with pytest.raises(ImagingInputError, match="not a DICOM file") as caught:
        read_dicom_tree(tmp_path)
    assert caught.value.source == str(tmp_path / "notes.txt")


@pytest.mark.parametrize("kept_bytes", [400, -50], ids=["in-header", "in-pixel-data"])
def test_truncated_file_is_refused_naming_it(tmp_path, kept_bytes):
    written = write_series(tmp_path)
    victim = written.files[2]
    victim.write_bytes(victim.read_bytes()[:kept_bytes])
    with pytest.raises(ImagingInputError, match="truncated") as caught:
        read_dicom_tree(tmp_path)
    assert caught.value.source == str(victim)


def test_undecodable_pixel_data_is_refused_naming_the_file(tmp_path):
    def damage(k: int, ds) -> None:
        if k == 4:
            ds.PixelData = b"\0" * 8

    written = write_series(tmp_path, edit=damage)
    with pytest.raises(ImagingInputError, match="unreadable pixel data") as caught:
        read_dicom_tree(tmp_path)
    assert caught.value.source == str(written.files[4])


@pytest.mark.parametrize(("slices", "lost"), [(7, 3), (4, 1)], ids=["in-a-long-stack", "of-four"])
def test_missing_slice_is_refused_naming_the_series_and_the_gap(tmp_path, slices, lost):
    written = write_series(tmp_path, slices=slices, description="AX T2")
    written.files[lost].unlink()
    with pytest.raises(ImagingInputError) as caught:
        read_dicom_tree(tmp_path)
    assert written.series_uid in caught.value.source and "AX T2" in caught.value.source
    below, above = 30 + 2 * (lost - 1), 30 + 2 * (lost + 1)
    assert f"missing slice between z={below:.2f} mm" in caught.value.reason
    assert f"and z={above:.2f} mm" in caught.value.reason


def test_uneven_spacing_is_refused_naming_the_series(tmp_path):
    def nudge(k: int, ds) -> None:
        if k == 3:
            ds.ImagePositionPatient = [-10, 20, 30 + 2 * k + 0.7]

    written = write_series(tmp_path, edit=nudge)
    with pytest.raises(ImagingInputError, match="uneven slice spacing") as caught:
        read_dicom_tree(tmp_path)
    assert written.series_uid in caught.value.source


def test_duplicate_slice_position_is_refused_naming_both_files(tmp_path):
    written = write_series(tmp_path)
    duplicate = pydicom.dcmread(written.files[2])
    duplicate.SOPInstanceUID = pydicom.uid.generate_uid()
    duplicate.save_as(tmp_path / "COPY")
    with pytest.raises(ImagingInputError, match="duplicate slice position") as caught:
        read_dicom_tree(tmp_path)
    assert "COPY" in caught.value.reason and written.files[2].name in caught.value.reason


def test_sheared_stack_is_refused_naming_the_series_and_gantry_tilt(tmp_path):
    def tilt(k: int, ds) -> None:
        ds.ImagePositionPatient = [-10, 20 + 0.5 * k, 30 + 2 * k]

    written = write_series(tmp_path, edit=tilt, description="AX T2")
    with pytest.raises(ImagingInputError, match="gantry tilt") as caught:
        read_dicom_tree(written.folder)
    assert f"series 'AX T2' ({written.series_uid})" in caught.value.reason


def test_inconsistent_rows_are_refused_naming_the_series_and_the_file(tmp_path):
    written = write_series(tmp_path, edit=lambda k, ds: k == 2 and setattr(ds, "Rows", 8))
    with pytest.raises(ImagingInputError, match="Rows 8 differs from 10 in 5 other") as caught:
        read_dicom_tree(tmp_path)
    assert caught.value.source == str(written.files[2])
    assert written.series_uid in caught.value.reason


def test_inconsistent_orientation_is_refused(tmp_path):
    def rotate(k: int, ds) -> None:
        if k == 1:
            ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]

    with pytest.raises(ImagingInputError, match="ImageOrientationPatient"):
        read_dicom_tree(write_series(tmp_path, edit=rotate).folder)


def test_single_slice_series_is_refused_as_not_a_volume(tmp_path):
    written = write_series(tmp_path, slices=1)
    with pytest.raises(ImagingInputError, match="single slice is not a volume") as caught:
        read_dicom_tree(tmp_path)
    assert written.series_uid in caught.value.source


def test_multiframe_image_is_refused(tmp_path):
    written = write_series(tmp_path, edit=lambda k, ds: setattr(ds, "NumberOfFrames", 2))
    with pytest.raises(ImagingInputError, match="multi-frame"):
        read_dicom_tree(written.folder)


def test_zip_reads_the_same_as_the_folder(tmp_path):
    written = write_series(tmp_path / "exam" / "flair", orientation=OBLIQUE)
    [from_folder] = read_dicom_tree(tmp_path / "exam").series
    [from_zip] = read_dicom_tree(_zip_folder(tmp_path / "exam", tmp_path / "exam.zip")).series
    np.testing.assert_array_equal(from_zip.array, from_folder.array)
    np.testing.assert_array_equal(from_zip.affine, from_folder.affine)
    assert from_zip.files == from_folder.files
    assert from_zip.series_uid == written.series_uid


def test_zip_errors_name_the_member_and_leave_no_temporary_files(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    write_series(tmp_path / "exam")
    (tmp_path / "exam" / "notes.txt").write_text("not an image")
    archive = _zip_folder(tmp_path / "exam", tmp_path / "exam.zip")
    with pytest.raises(ImagingInputError) as caught:
        read_dicom_tree(archive)
    assert caught.value.source == f"{archive}:notes.txt"
    (tmp_path / "exam" / "notes.txt").unlink()
    shutil.copy(_zip_folder(tmp_path / "exam", tmp_path / "ok.zip"), archive)
    assert len(read_dicom_tree(archive).series) == 1
    assert list(scratch.iterdir()) == []


def numbered(number: int):
    return lambda k, ds: setattr(ds, "SeriesNumber", number)


def write_localizer(folder: Path, study_uid: str) -> str:
    """A 3-plane localizer: one series, three slices in each of three orientations."""
    series_uid = pydicom.uid.generate_uid()
    for name, orientation in [("ax", AXIAL), ("sag", SAGITTAL), ("cor", CORONAL)]:
        write_series(
            folder / name,
            orientation=orientation,
            slices=3,
            study_uid=study_uid,
            series_uid=series_uid,
            description="3Plane Loc SSFSE",
            edit=numbered(1),
        )
    return series_uid


def test_a_localizer_in_three_planes_is_left_out_before_its_geometry_is_checked(tmp_path):
    flair = write_series(tmp_path / "flair", edit=numbered(2))
    write_localizer(tmp_path / "loc", flair.study_uid)

    tree = read_dicom_tree(tmp_path)

    assert [s.series_uid for s in tree.series] == [flair.series_uid]
    assert [(s.description, s.files, s.sequence, s.left_out) for s in tree.seen] == [
        ("3Plane Loc SSFSE", 9, None, "localizer"),
        ("AX FLAIR", 6, Sequence.FLAIR, ""),
    ]


def test_a_broken_series_that_is_left_out_does_not_fail_the_read(tmp_path):
    flair = write_series(tmp_path / "flair")
    dwi = write_series(tmp_path / "dwi", study_uid=flair.study_uid, description="DWI b1000")
    dwi.files[2].unlink()

    assert [s.series_uid for s in read_dicom_tree(tmp_path).series] == [flair.series_uid]


def test_of_two_series_of_one_sequence_the_one_with_more_slices_is_chosen(tmp_path):
    thick = write_series(tmp_path / "a", slices=6, edit=numbered(5), description="AX FLAIR")
    thin = write_series(
        tmp_path / "b", slices=8, study_uid=thick.study_uid, edit=numbered(4), description="FLAIR"
    )

    tree = read_dicom_tree(tmp_path)

    assert [s.series_uid for s in tree.series] == [thin.series_uid]
    assert tree.seen[1].left_out == (
        "another FLAIR series, 4 'FLAIR', was chosen: this one has fewer slices"
    )


def test_of_two_equal_series_of_one_sequence_the_later_one_is_chosen(tmp_path):
    first = write_series(tmp_path / "a", edit=numbered(4))
    repeat = write_series(tmp_path / "b", study_uid=first.study_uid, edit=numbered(9))

    tree = read_dicom_tree(tmp_path)

    assert [s.series_uid for s in tree.series] == [repeat.series_uid]
    assert "an earlier series number" in tree.seen[0].left_out


def test_series_of_one_sequence_in_two_studies_are_both_chosen(tmp_path):
    write_series(tmp_path / "a")
    write_series(tmp_path / "b")
    assert len(read_dicom_tree(tmp_path).series) == 2


def test_a_failing_chosen_series_lists_every_series_seen(tmp_path):
    t2 = write_series(tmp_path / "t2", description="AX T2", edit=numbered(3))
    write_localizer(tmp_path / "loc", t2.study_uid)
    t2.files[2].unlink()

    with pytest.raises(ImagingInputError, match="missing slice") as caught:
        read_dicom_tree(tmp_path)

    assert caught.value.reason.splitlines()[1:] == [
        "Series seen:",
        "- study 1, series 1 '3Plane Loc SSFSE' (9 files): left out: localizer",
        "- study 1, series 3 'AX T2' (5 files): chosen as T2",
    ]


@ORIENTATIONS
def test_an_enhanced_multiframe_image_reads_as_its_single_frame_slices(tmp_path, orientation):
    options = {"orientation": orientation, "slope": 2.5, "intercept": -100.0}
    write_series(tmp_path / "single", **options)
    [single] = read_dicom_tree(tmp_path / "single").series
    write_enhanced(tmp_path / "enhanced", **options)

    [enhanced] = read_dicom_tree(tmp_path / "enhanced").series

    np.testing.assert_array_equal(enhanced.array, single.array)
    np.testing.assert_allclose(enhanced.affine, single.affine, atol=1e-6)
    assert enhanced.sequence is Sequence.FLAIR and enhanced.spacing == pytest.approx(single.spacing)


def test_a_frame_without_a_position_is_refused_naming_the_file_and_frame(tmp_path):
    written = write_enhanced(tmp_path)
    enhanced = pydicom.dcmread(written.files[0])
    del enhanced.PerFrameFunctionalGroupsSequence[2].PlanePositionSequence
    enhanced.save_as(written.files[0])

    with pytest.raises(ImagingInputError, match="no ImagePositionPatient") as caught:
        read_dicom_tree(tmp_path)

    assert caught.value.source == f"{written.files[0]} frame 3"


def test_an_enhanced_series_counts_its_frames_when_series_of_one_sequence_compete(tmp_path):
    enhanced = write_enhanced(tmp_path / "enhanced", slices=6)
    write_series(tmp_path / "single", study_uid=enhanced.study_uid, slices=4)

    [chosen] = read_dicom_tree(tmp_path).series

    assert chosen.series_uid == enhanced.series_uid


def test_a_chosen_series_that_cannot_be_read_gives_way_to_the_next_and_is_reported(tmp_path):
    broken = write_series(tmp_path / "a", slices=8, description="AX T2", edit=numbered(4))
    other = write_series(tmp_path / "b", study_uid=broken.study_uid, description="COR T2")
    broken.files[3].unlink()

    tree = read_dicom_tree(tmp_path)

    assert [s.series_uid for s in tree.series] == [other.series_uid]
    assert tree.seen[1].left_out.startswith("series 'AX T2': missing slice between")


def test_a_series_given_way_is_reported_with_its_file_named_as_in_the_upload(tmp_path):
    def damage(k: int, ds) -> None:
        if k == 2:
            ds.PixelData = b"\0" * 8

    broken = write_series(tmp_path / "a", slices=8, edit=damage)
    write_series(tmp_path / "b", study_uid=broken.study_uid)

    [left_out] = [s.left_out for s in read_dicom_tree(tmp_path).seen if s.left_out]

    assert left_out.startswith(f"a/{broken.files[2].name}: unreadable pixel data")
    assert str(tmp_path) not in left_out
