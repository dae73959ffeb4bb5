"""The synthetic demo cohort: layout, MR physics measured on the written files, lesion courses,
byte-for-byte reproducibility, and DICOM geometry checked against the NIfTI with SimpleITK (an
independent reader). One 2 mm cohort of two patients (a growing glioma, an MS patient) is shared."""

import csv
import datetime
import hashlib
import itertools
import json
import re

import nibabel as nib
import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from scipy import ndimage

from imaging.sequences import Sequence, recognize_description
from imaging.synthetic import build_cohort
from imaging.synthetic.anatomy import load_anatomy
from imaging.synthetic.lesions import GLIOMA_COURSES, glioma_labels, plan_glioma

SEED, RESOLUTION = 7, 2
VOXEL_ML = RESOLUTION**3 / 1000
SUFFIX = {sequence: f"{sequence.value.lower()}.nii.gz" for sequence in Sequence}
NECROSIS, OEDEMA, ENHANCING = 1, 2, 4
REGIONS = {
    "necrosis": [NECROSIS],
    "oedema": [OEDEMA],
    "enhancing": [ENHANCING],
    "whole_tumour": [NECROSIS, OEDEMA, ENHANCING],
    "lesion": [1],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    written = []
    cohort = build_cohort(
        out, patients=2, seed=SEED, resolution=RESOLUTION, progress=written.append
    )
    assert len(written) == 6
    return out, cohort


@pytest.fixture(scope="module")
def anatomy():
    return load_anatomy(RESOLUTION)


def volume(out, exam_folder, suffix):
    path = out / "brats" / exam_folder / f"{exam_folder}_{suffix}.nii.gz"
    return np.asanyarray(nib.load(path).dataobj)


def mean_in(image, region):
    assert region.sum() > 20, "too few voxels to measure"
    return float(image[region].mean())


def white_matter(anatomy, seg):
    return (anatomy.wm > 0.95) & (ndimage.binary_dilation(seg > 0, iterations=3) == 0)


def test_cohort_json_records_patients_kinds_courses_and_dated_exams(built):
    out, cohort = built
    assert json.loads((out / "cohort.json").read_text()) == cohort
    assert cohort["generator"] == "neuroreview-synthetic/1" and cohort["seed"] == SEED
    glioma, ms = cohort["patients"]
    assert (glioma["patient"], glioma["kind"], glioma["course"]) == ("SYN-00001", "glioma", "grow")
    assert (ms["patient"], ms["kind"], ms["course"]) == ("SYN-00002", "ms", "new_lesions")
    for number, patient in enumerate(cohort["patients"], start=1):
        exam_folders = [f"BraTS-SYN-{number:05d}-{i:03d}" for i in range(3)]
        assert [e["case"] for e in patient["exams"]] == exam_folders  # cohort.json keeps "case"
        dates = [datetime.date.fromisoformat(e["date"]) for e in patient["exams"]]
        assert all(30 < (b - a).days < 200 for a, b in itertools.pairwise(dates))


def test_exams_csv_rows_match_the_brats_folders(built):
    out, _ = built
    with (out / "brats" / "exams.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    # "case" is BraTS's name for an exam folder: the column users' files have keeps it.
    assert list(rows[0]) == ["case", "patient", "exam_date", "label_scheme", "disease"]
    folders = sorted(p.name for p in (out / "brats").iterdir() if p.is_dir())
    assert [row["case"] for row in rows] == folders
    assert [row["label_scheme"] for row in rows] == ["brats2020"] * 3 + ["lesion"] * 3
    assert [row["disease"] for row in rows] == ["glioma"] * 3 + ["ms"] * 3
    for row in rows:
        files = sorted(p.name for p in (out / "brats" / row["case"]).iterdir())
        suffixes = ("flair", "seg", "t1", "t1ce", "t2")
        assert files == [f"{row['case']}_{suffix}.nii.gz" for suffix in suffixes]
        image = nib.load(out / "brats" / row["case"] / f"{row['case']}_flair.nii.gz")
        assert image.get_data_dtype() == np.int16
        assert np.allclose(image.affine, load_anatomy(RESOLUTION).affine)


def test_recorded_volumes_equal_label_voxel_counts(built):
    out, cohort = built
    for patient in cohort["patients"]:
        for exam in patient["exams"]:
            seg = volume(out, exam["case"], "seg")
            assert seg.dtype == np.uint8
            regions = {k: v for k, v in exam["volumes_ml"].items() if k != "lesion_count"}
            assert set(np.unique(seg)) - {0} <= set().union(*(REGIONS[k] for k in regions))
            for name, recorded in regions.items():
                counted = np.isin(seg, REGIONS[name]).sum() * VOXEL_ML
                assert recorded == pytest.approx(counted, abs=1e-3), name


def test_enhancing_tumour_is_bright_only_on_t1ce(built, anatomy):
    out, _ = built
    exam_folder = "BraTS-SYN-00001-000"
    seg = volume(out, exam_folder, "seg")
    t1ce, t1 = volume(out, exam_folder, "t1ce"), volume(out, exam_folder, "t1")
    wm = white_matter(anatomy, seg)
    assert mean_in(t1ce, seg == ENHANCING) > 1.25 * mean_in(t1ce, wm)
    assert mean_in(t1, seg == ENHANCING) < mean_in(t1, wm)


def test_oedema_is_bright_on_flair_and_t2(built, anatomy):
    out, _ = built
    exam_folder = "BraTS-SYN-00001-000"
    seg = volume(out, exam_folder, "seg")
    for suffix in ("flair", "t2"):
        image = volume(out, exam_folder, suffix)
        assert mean_in(image, seg == OEDEMA) > 1.5 * mean_in(image, white_matter(anatomy, seg))


def test_necrosis_is_darker_than_enhancing_tumour_on_t1ce(built):
    out, _ = built
    exam_folder = "BraTS-SYN-00001-002"
    seg, t1ce = volume(out, exam_folder, "seg"), volume(out, exam_folder, "t1ce")
    assert mean_in(t1ce, seg == NECROSIS) < 0.5 * mean_in(t1ce, seg == ENHANCING)


def test_csf_is_darker_than_white_matter_on_flair_and_brighter_on_t2(built, anatomy):
    out, _ = built
    exam_folder = "BraTS-SYN-00002-000"
    seg = volume(out, exam_folder, "seg")
    csf, wm = anatomy.csf > 0.95, white_matter(anatomy, seg)
    flair, t2 = volume(out, exam_folder, "flair"), volume(out, exam_folder, "t2")
    assert mean_in(flair, csf) < 0.5 * mean_in(flair, wm)
    assert mean_in(t2, csf) > 1.5 * mean_in(t2, wm)
    assert (flair[~anatomy.brain] == 0).all()  # skull-stripped, like BraTS


def test_ms_lesions_are_bright_on_flair_and_t2_and_do_not_enhance(built, anatomy):
    out, _ = built
    exam_folder = "BraTS-SYN-00002-002"
    seg = volume(out, exam_folder, "seg")
    lesion, wm = seg == 1, white_matter(anatomy, seg)
    images = {suffix: volume(out, exam_folder, suffix) for suffix in ("flair", "t2", "t1", "t1ce")}
    for suffix in ("flair", "t2"):
        assert mean_in(images[suffix], lesion) > 1.4 * mean_in(images[suffix], wm)
    for suffix in ("t1", "t1ce"):
        assert mean_in(images[suffix], lesion) <= mean_in(images[suffix], wm)


def test_tumours_are_sizeable_irregular_and_inside_the_brain_mostly_in_white_matter(built, anatomy):
    out, cohort = built
    for exam in cohort["patients"][0]["exams"]:
        seg = volume(out, exam["case"], "seg")
        assert exam["volumes_ml"]["whole_tumour"] > 20
        assert not (seg[~anatomy.brain] > 0).any()
        assert anatomy.wm[seg > 0].mean() > 0.5
        core = np.isin(seg, (NECROSIS, ENHANCING))
        surface = np.argwhere(core & ~ndimage.binary_erosion(core))
        radii = np.linalg.norm(surface - surface.mean(axis=0), axis=1)
        assert radii.std() / radii.mean() > 0.05, "the core should not be a sphere"


@pytest.mark.parametrize("course", GLIOMA_COURSES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tumour_volume_follows_its_course(anatomy, course, seed):
    glioma = plan_glioma(anatomy, np.random.default_rng([seed, 99]), course, 3)
    volumes = [(glioma_labels(anatomy, glioma, exam) > 0).sum() for exam in range(3)]
    changes = np.diff(volumes) / volumes[:-1]
    if course == "grow":
        assert (changes > 0.1).all()
    elif course == "shrink":
        assert (changes < -0.1).all()
    else:
        assert (np.abs(changes) < 0.03).all()


def test_recorded_course_and_change_match_the_label_maps(built):
    _, cohort = built
    for patient in cohort["patients"]:
        key = "whole_tumour" if patient["kind"] == "glioma" else "lesion"
        volumes = [exam["volumes_ml"][key] for exam in patient["exams"]]
        assert volumes == sorted(volumes) and volumes[0] < volumes[-1]
        change = 100 * (volumes[-1] / volumes[0] - 1)
        assert patient["volume_change_percent"] == pytest.approx(change, abs=0.1)


def test_ms_lesions_persist_and_new_ones_appear_absent_from_earlier_exams(built):
    out, cohort = built
    exams = cohort["patients"][1]["exams"]
    segs = [volume(out, exam["case"], "seg") > 0 for exam in exams]
    counts = [ndimage.label(seg, structure=np.ones((3, 3, 3)))[1] for seg in segs]
    assert counts == [exam["volumes_ml"]["lesion_count"] for exam in exams]
    assert counts[0] >= 3 and counts[0] < counts[1] < counts[2]
    for earlier, later, more in zip(segs, segs[1:], np.diff(counts), strict=False):
        assert not (earlier & ~later).any()  # existing lesions persist unchanged
        components, count = ndimage.label(later, structure=np.ones((3, 3, 3)))
        new = [c for c in range(1, count + 1) if not earlier[components == c].any()]
        assert len(new) == more


def sha256_of_files(root, pattern):
    return {
        p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.glob(pattern))
    }


def test_same_seed_gives_identical_bytes_and_another_seed_different_ones(built, tmp_path):
    out, _ = built
    build_cohort(tmp_path / "same", patients=1, seed=SEED, resolution=RESOLUTION)
    build_cohort(tmp_path / "other", patients=1, seed=SEED + 1, resolution=2, formats=["brats"])
    for pattern in ("brats/BraTS-SYN-00001-*/*", "dicom/SYN-00001/*/*/*"):
        expected = sha256_of_files(out, pattern)
        assert len(expected) > 10 and sha256_of_files(tmp_path / "same", pattern) == expected
    other = sha256_of_files(tmp_path / "other", "brats/*/*.nii.gz")
    mine = sha256_of_files(out, "brats/BraTS-SYN-00001-*/*.nii.gz")
    assert other.keys() == mine.keys() and all(other[k] != mine[k] for k in mine)


def read_series(folder):
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


def nifti_voxels_in_dicom_index_space(image, affine, shape):
    """Where each NIfTI voxel lies in the SimpleITK image's (x, y, z) index space."""
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine
    to_index = np.linalg.inv(np.reshape(image.GetDirection(), (3, 3)) * image.GetSpacing())
    matrix = to_index @ lps[:3, :3]
    offset = to_index @ (lps[:3, 3] - np.array(image.GetOrigin()))
    indices = np.indices(shape).reshape(3, -1)
    mapped = matrix @ indices + offset[:, None]
    assert np.allclose(mapped, np.rint(mapped), atol=1e-3)
    return np.rint(mapped).astype(int)


@pytest.mark.parametrize("patient", ["SYN-00001", "SYN-00002"])
def test_dicom_series_hold_the_nifti_voxels_at_the_same_physical_points(built, patient):
    out, cohort = built
    record = next(p for p in cohort["patients"] if p["patient"] == patient)
    exam_folders = sorted((out / "dicom" / patient).iterdir())
    assert [f.name for f in exam_folders] == [
        f"{i + 1:02d}_{e['date'].replace('-', '')}" for i, e in enumerate(record["exams"])
    ]
    studies, frames = set(), set()
    for exam, folder in zip(record["exams"], exam_folders, strict=True):
        for sequence in Sequence:
            series = folder / sequence.value
            nifti = nib.load(out / "brats" / exam["case"] / f"{exam['case']}_{SUFFIX[sequence]}")
            voxels = np.asanyarray(nifti.dataobj)
            image = read_series(series)
            x, y, z = nifti_voxels_in_dicom_index_space(image, nifti.affine, voxels.shape)
            from_dicom = sitk.GetArrayFromImage(image)[z, y, x].reshape(voxels.shape)
            assert np.array_equal(from_dicom, voxels)
            first = pydicom.dcmread(series / "IM00001.dcm", stop_before_pixels=True)
            assert recognize_description(first.SeriesDescription) is sequence
            assert first.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
            assert [str(v) for v in first.ImageOrientationPatient] == ["1", "0", "0", "0", "1", "0"]
            assert (first.PatientID, first.StudyDate) == (patient, exam["date"].replace("-", ""))
            assert (first.BitsAllocated, first.PixelRepresentation, first.Modality) == (16, 1, "MR")
            assert str(first.PatientName).startswith("Synthetic^") and first.InstitutionName
            studies.add((exam["case"], first.StudyInstanceUID))
            frames.add(first.FrameOfReferenceUID)
    assert len(studies) == len({uid for _, uid in studies}) == 3 and len(frames) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(patients=1, seed=0, resolution=3), "resolution must be 1 or 2"),
        (dict(patients=0, seed=0, resolution=2), "patients must be"),
        (dict(patients=1, seed=-1, resolution=2), "seed must be"),
        (dict(patients=1, seed=0, resolution=2, formats=["nifti"]), "formats must be"),
        (dict(patients=1, seed=0, resolution=2, formats=[]), "formats must be"),
    ],
)
def test_bad_arguments_are_refused_with_clear_errors(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        build_cohort(tmp_path / "out", **arguments)
    assert not (tmp_path / "out").exists()


def test_a_previous_cohorts_exams_csv_gains_the_disease_column(built):
    out, cohort = built
    exams_csv = out / "brats" / "exams.csv"
    current = exams_csv.read_text()
    old = "".join(",".join(line.split(",")[:4]) + "\n" for line in current.splitlines())
    exams_csv.write_text(old)  # as a cohort built before the column existed

    build_cohort(out, patients=2, seed=SEED, resolution=RESOLUTION)

    assert exams_csv.read_text() == current


def test_a_previous_cohort_is_kept_and_any_other_non_empty_folder_refused(built, tmp_path):
    out, cohort = built
    before = (out / "cohort.json").stat().st_mtime_ns
    called = []
    again = build_cohort(out, patients=2, seed=SEED, resolution=2, progress=called.append)
    assert again == cohort and not called and (out / "cohort.json").stat().st_mtime_ns == before
    with pytest.raises(ValueError, match=re.escape(str(out))):
        build_cohort(out, patients=3, seed=SEED, resolution=RESOLUTION)
    (tmp_path / "notes.txt").write_text("not a cohort")
    with pytest.raises(ValueError, match="not empty"):
        build_cohort(tmp_path, patients=1, seed=SEED, resolution=RESOLUTION)
