"""The cohort's "clinical" format: a scanner's brain MR study per exam, read back as the importer
reads it. Series selection keeps exactly the four sequences, each on its own grid holding the
whole head; their voxels lie where the anatomy says (once the recorded patient motion is undone);
the same seed gives the same bytes. One 2 mm patient (three exams) is shared."""

import hashlib

import nibabel as nib
import numpy as np
import pydicom
import pytest
from scipy import ndimage

from imaging.dicom_series import read_dicom_tree
from imaging.sequences import Sequence
from imaging.synthetic import build_cohort
from imaging.synthetic.anatomy import load_anatomy
from imaging.synthetic.clinical import acquire
from imaging.synthetic.cohort import FORMATS
from imaging.synthetic.head import LAYERS_MM
from tests.pacs.dciodvfy import dciodvfy_errors

SEED, RESOLUTION = 7, 2
SERIES = [
    "01_3Plane_Loc_SSFSE",
    "02_SAG_3D_FLAIR",
    "03_AX_T2_FSE",
    "04_DWI_b1000",
    "05_AX_3D_T1_MPRAGE",
    "06_COR_3D_T1_MPRAGE_POST_GD",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    cohort = build_cohort(out, patients=1, seed=SEED, resolution=RESOLUTION, formats=FORMATS)
    return out, cohort


@pytest.fixture(scope="module")
def first_exam(built):
    """The first exam's folder as read by the importer, and its record in cohort.json."""
    out, cohort = built
    folder = sorted((out / "clinical" / "SYN-00001").iterdir())[0]
    return folder, read_dicom_tree(folder), cohort["patients"][0]["exams"][0]


def chosen(first_exam):
    _, tree, _ = first_exam
    return {series.sequence: series for series in tree.series}


def motion_of(record, sequence) -> np.ndarray:
    return np.array(record["clinical_motion"].get(sequence.value, np.eye(4)))


def first_header(folder):
    return pydicom.dcmread(sorted(folder.glob("IM*.dcm"))[0], stop_before_pixels=True)


def test_each_exam_holds_six_series_beside_the_dicom_formats_exam(built):
    out, cohort = built
    clinical = sorted(p.name for p in (out / "clinical" / "SYN-00001").iterdir())

    assert cohort["formats"] == ["brats", "dicom", "clinical"]
    assert clinical == sorted(p.name for p in (out / "dicom" / "SYN-00001").iterdir())
    for exam in clinical:
        assert sorted(p.name for p in (out / "clinical" / "SYN-00001" / exam).iterdir()) == SERIES


def test_an_exam_is_the_same_patient_and_study_as_in_the_dicom_format(built, first_exam):
    out, _ = built
    folder, _, _ = first_exam
    clinical = first_header(folder / "05_AX_3D_T1_MPRAGE")
    dicom = first_header(out / "dicom" / "SYN-00001" / folder.name / "T1")

    for keyword in ("PatientID", "PatientName", "StudyInstanceUID", "StudyDate", "AccessionNumber"):
        assert clinical[keyword].value == dicom[keyword].value
    assert clinical.SeriesInstanceUID != dicom.SeriesInstanceUID


def test_series_selection_keeps_the_four_sequences_and_leaves_out_localizer_and_diffusion(
    first_exam,
):
    _, tree, _ = first_exam

    assert {s.sequence: s.series_description for s in tree.series} == {
        Sequence.FLAIR: "SAG 3D FLAIR",
        Sequence.T2: "AX T2 FSE",
        Sequence.T1: "AX 3D T1 MPRAGE",
        Sequence.T1CE: "COR 3D T1 MPRAGE POST GD",
    }
    assert {s.description: s.left_out for s in tree.seen if s.left_out} == {
        "3Plane Loc SSFSE": "localizer (ImageType LOCALIZER)",
        "DWI b1000": "diffusion",
    }


def test_the_localizer_is_three_planes_and_the_diffusion_series_names_its_b_value(first_exam):
    folder, _, _ = first_exam
    planes = [pydicom.dcmread(f) for f in sorted((folder / SERIES[0]).glob("IM*.dcm"))]
    normals = [np.cross(*np.reshape(p.ImageOrientationPatient, (2, 3))) for p in planes]

    assert len(planes) == 3
    np.testing.assert_allclose(np.abs(normals), np.eye(3)[[2, 0, 1]], atol=1e-6)
    assert first_header(folder / SERIES[3]).DiffusionBValue == 1000


def test_the_four_sequences_lie_on_four_different_grids(first_exam):
    series = chosen(first_exam)
    grids = {(s.array.shape, tuple(np.round(s.affine, 3).ravel())) for s in series.values()}

    assert len(grids) == 4
    assert [s.first_dataset.MRAcquisitionType for s in series.values()] == ["3D", "2D", "3D", "3D"]
    for sequence in (Sequence.FLAIR, Sequence.T1, Sequence.T1CE):
        np.testing.assert_allclose(series[sequence].spacing, [RESOLUTION] * 3, rtol=1e-5)
    sagittal = np.abs(series[Sequence.FLAIR].affine[:3, 2]) / RESOLUTION
    oblique = np.abs(series[Sequence.T1CE].affine[:3, :3]) / RESOLUTION
    np.testing.assert_allclose(sagittal, [1, 0, 0], atol=1e-6)
    assert (oblique.max(axis=0) < np.cos(np.radians(2.0))).all()  # every axis tilted 2° or more


def test_the_t2_has_5mm_slices_in_plane_at_the_resolution(first_exam):
    t2 = chosen(first_exam)[Sequence.T2]

    assert t2.spacing == pytest.approx((RESOLUTION, RESOLUTION, 5.0))
    assert float(t2.first_dataset.SliceThickness) == 5.0


def test_every_field_of_view_holds_the_whole_head(first_exam):
    """The brain, moved as the patient moved, and the head's 15.5 mm around it along each of
    the grid's axes, lie inside the grid."""
    _, _, record = first_exam
    anatomy = load_anatomy(RESOLUTION)
    brain = np.c_[anatomy.to_world(np.argwhere(anatomy.brain)), np.ones(anatomy.brain.sum())]
    for sequence, series in chosen(first_exam).items():
        index = (np.linalg.solve(series.affine, motion_of(record, sequence) @ brain.T)[:3]).T
        reach = LAYERS_MM["skin"] / np.array(series.spacing)

        assert (index.min(axis=0) >= reach).all(), sequence
        assert (index.max(axis=0) <= np.array(series.array.shape) - 1 - reach).all(), sequence


def test_voxels_resampled_to_the_anatomy_agree_with_the_rendered_brain(built, first_exam):
    """Inside the brain, each sequence brought back onto the anatomy's grid (its recorded
    motion undone) correlates with the exam's skull-stripped volume at 0.9 or more (0.92 to
    0.97 measured; the T2's 5 mm slices lowest); the T1CE without undoing its motion does not."""
    out, _ = built
    _, _, record = first_exam
    anatomy = load_anatomy(RESOLUTION)
    case = record["case"]

    def correlation(series, motion):
        back = acquire(
            series.array, np.linalg.inv(motion) @ series.affine, anatomy.affine, anatomy.shape
        )
        path = out / "brats" / case / f"{case}_{series.sequence.value.lower()}.nii.gz"
        truth = np.asanyarray(nib.load(path).dataobj)
        return np.corrcoef(back[anatomy.brain], truth[anatomy.brain])[0, 1]

    series = chosen(first_exam)
    for sequence, one in series.items():
        assert correlation(one, motion_of(record, sequence)) > 0.9, sequence
    assert correlation(series[Sequence.T1CE], np.eye(4)) < 0.8


def test_the_head_is_on_scalp_around_the_brain(first_exam):
    """9 to 14 mm out from the brain, where the scalp's muscle and fat lie, every sequence
    shows more than half its brain's median signal (1.1 to 1.6 times it, measured), where a
    skull-stripped volume has none."""
    _, _, record = first_exam
    anatomy = load_anatomy(RESOLUTION)
    outside = ndimage.distance_transform_edt(~anatomy.brain, sampling=RESOLUTION)
    scalp = (outside > 9) & (outside <= 14)
    for sequence, series in chosen(first_exam).items():
        place = np.linalg.inv(motion_of(record, sequence)) @ series.affine
        back = acquire(series.array, place, anatomy.affine, anatomy.shape)

        assert np.median(back[scalp]) > 0.5 * np.median(back[anatomy.brain]), sequence


def test_the_patient_moves_a_few_degrees_before_the_t1ce_only(first_exam):
    _, _, record = first_exam
    rotation = motion_of(record, Sequence.T1CE)[:3, :3]
    degrees = np.degrees(np.arccos((np.trace(rotation) - 1) / 2))

    assert list(record["clinical_motion"]) == ["T1CE"]
    assert 1.0 < degrees < 7.0


def test_same_seed_gives_the_same_bytes_whatever_other_formats_are_written(built, tmp_path):
    out, cohort = built
    again = build_cohort(
        tmp_path, patients=1, seed=SEED, resolution=RESOLUTION, formats=["clinical"]
    )

    def digests(root):
        files = sorted((root / "clinical").rglob("*.dcm"))
        return {f.relative_to(root): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}

    assert len(digests(out)) > 1000 and digests(tmp_path) == digests(out)
    assert again["patients"] == cohort["patients"]


def test_every_series_the_synthetic_scanner_writes_passes_dciodvfy(built):
    out, _ = built
    firsts = {path.parent: path for path in sorted(out.rglob("*.dcm"), reverse=True)}

    errors = {
        str(folder.relative_to(out)): dciodvfy_errors(path) for folder, path in firsts.items()
    }

    assert len(errors) >= 10  # the DICOM format's four sequences, the scanner's six series
    assert errors == {folder: [] for folder in errors}
