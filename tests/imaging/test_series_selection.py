"""series_selection.classify: which series are the four sequences, from the first header only."""

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import EnhancedMRImageStorage, MRImageStorage, SecondaryCaptureImageStorage

from imaging.sequences import Sequence
from imaging.series_selection import SeriesSeen, classify, listing, report


def header(description="AX FLAIR", **attributes) -> Dataset:
    ds = Dataset()
    ds.Modality = "MR"
    ds.SOPClassUID = MRImageStorage
    ds.SeriesInstanceUID = "1.2.3"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND"]
    ds.SeriesDescription = description
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


@pytest.mark.parametrize(
    ("description", "sequence"),
    [
        ("AX FLAIR", Sequence.FLAIR),
        ("sag 3D flair", Sequence.FLAIR),
        ("t1_mprage_sag", Sequence.T1),
        ("AX T1 POST GD", Sequence.T1CE),
        ("t2_tse_tra", Sequence.T2),
    ],
)
def test_an_acquired_mr_series_is_the_sequence_its_description_names(description, sequence):
    assert classify(header(description), {}) == (sequence, "")


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ("3Plane Loc SSFSE", "localizer"),
        ("AAHead_Scout_32ch", "localizer"),
        ("Survey T2", "localizer"),
        ("TriPilot", "localizer"),
        ("DWI b1000", "diffusion"),
        ("ep2d_diff_3scan_trace", "diffusion"),
        ("T2 ADC", "diffusion"),
        ("SWI_Images", "susceptibility"),
        ("T2* GRE", "susceptibility"),
        ("ep2d_perf DSC T2", "perfusion"),
        ("pCASL", "perfusion"),
        ("MIP_TRA T1", "reformat or projection"),
        ("T1 MPR COR", "reformat or projection"),
    ],
)
def test_a_series_named_as_no_sequence_is_left_out_even_if_it_names_one(description, reason):
    assert classify(header(description), {}) == (None, reason)


def test_a_series_named_only_in_its_protocol_name_is_left_out():
    assert classify(header("T2 SSFSE", ProtocolName="3-plane localizer"), {}) == (
        None,
        "localizer",
    )


@pytest.mark.parametrize(
    ("image_type", "reason"),
    [
        (["ORIGINAL", "PRIMARY", "LOCALIZER"], "localizer (ImageType LOCALIZER)"),
        (["DERIVED", "PRIMARY", "M", "ND"], "derived image (ImageType DERIVED)"),
        (["DERIVED", "SECONDARY", "MPR"], "reformat or projection (ImageType MPR)"),
        (["ORIGINAL", "SECONDARY"], "derived image (ImageType SECONDARY)"),
    ],
)
def test_image_type_leaves_a_series_out_before_its_description_is_read(image_type, reason):
    assert classify(header("AX FLAIR", ImageType=image_type), {}) == (None, reason)


def test_secondary_capture_is_left_out():
    found = classify(header("AX FLAIR", SOPClassUID=SecondaryCaptureImageStorage), {})
    assert found == (None, "secondary capture")


def test_another_modality_is_left_out_naming_it():
    assert classify(header("AX FLAIR", Modality="CT"), {}) == (None, "modality CT, not MR")


def test_enhanced_mr_is_classified_like_single_frame_mr():
    assert classify(header("AX FLAIR", SOPClassUID=EnhancedMRImageStorage), {}) == (
        Sequence.FLAIR,
        "",
    )


def test_an_unrecognized_description_is_left_out_asking_for_an_override():
    assert classify(header("SE 5000/120"), {}) == (
        None,
        "not recognized as FLAIR, T1, T1CE or T2 (give an override)",
    )


def test_an_override_wins_over_everything_the_header_says():
    localizer = header("3Plane Loc", ImageType=["DERIVED", "PRIMARY", "LOCALIZER"])
    assert classify(localizer, {"3Plane Loc": Sequence.T2}) == (Sequence.T2, "")
    assert classify(localizer, {"1.2.3": Sequence.T1}) == (Sequence.T1, "")


def test_the_report_numbers_studies_and_names_no_uid():
    seen = [
        SeriesSeen("1.9.1", "1.9.1.1", 1, "Loc", 3, None, "localizer"),
        SeriesSeen("1.9.1", "1.9.1.2", 4, "AX FLAIR", 24, Sequence.FLAIR, ""),
        SeriesSeen("1.9.2", "1.9.2.1", 2, "AX T2", 20, Sequence.T2, ""),
    ]
    assert [row["study"] for row in report(seen)] == [1, 1, 2]
    assert "1.9." not in str(report(seen))
    assert listing(seen).splitlines() == [
        "- study 1, series 1 'Loc' (3 files): left out: localizer",
        "- study 1, series 4 'AX FLAIR' (24 files): chosen as FLAIR",
        "- study 2, series 2 'AX T2' (20 files): chosen as T2",
    ]
