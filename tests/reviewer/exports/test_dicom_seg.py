"""DICOM SEG beside the NIfTI in a bundle: a segmentation of an exam imported from DICOM is
also a SEG over the exam's acquired series (pseudonymised), whose frames re-read with highdicom
hold the voxels of the NIfTI mask; an exam imported as NIfTI gets none, and the manifest says
why; a tampered SEG fails verification."""

import gzip
import io
import secrets
import zipfile

import highdicom as hd
import nibabel as nib
import numpy as np
import pydicom
import pytest

from imaging.deidentify import Deidentifier
from imaging.dicom_series import read_dicom_tree
from imaging.labels import LABELS, LabelScheme
from imaging.nifti_io import volume_from_array
from imaging.registration import LPS_FROM_RAS
from imaging.sequences import Sequence
from reviewer.cases import services as cases
from reviewer.cases.models import Patient
from reviewer.core.storage import atomic_import
from reviewer.exports.bundle import BundleError, build, verify
from segmentation.models import Segmentation
from tests.imaging.dicom_builders import write_series
from tests.reviewer.exports.conftest import tumour
from tests.reviewer.exports.test_bundle import rewritten
from tests.reviewer.viewer.viewer_builders import model_version, stored_exam, stored_segmentation

PSEUDONYM = "NR-DICOM01"


@pytest.fixture
def from_dicom(db, tmp_path):
    """An exam whose T1CE was imported from DICOM (de-identified header, replaced instance
    UIDs), with a model's glioma map; and an exam imported as NIfTI only, with a reference."""
    patient = Patient.objects.create(pseudonym=PSEUDONYM, disease="glioma")
    exam = stored_exam(patient, 0)
    write_series(tmp_path / "t1ce", description="AX T1 POST GD")
    [series] = read_dicom_tree(tmp_path / "t1ce").series
    deid = Deidentifier(
        pseudonym=PSEUDONYM, date_shift_days=-30, uid_secret=secrets.token_bytes(16)
    )
    with atomic_import() as files:
        cases.add_acquired_series(
            exam,
            Sequence.T1CE,
            volume_from_array(series.array, series.affine),
            files,
            dicom_header=deid.header(series.first_dataset),
            dicom_instances=[[deid.uid(uid), frame] for uid, frame in series.instances],
            dicom_study_uid=deid.uid(series.study_uid),
            dicom_series_uid=deid.uid(series.series_uid),
        )
    segmentation = stored_segmentation(
        exam,
        tumour(6, 10, 4),
        scheme=LabelScheme.BRATS2020,
        source=Segmentation.Source.MODEL,
        model_version=model_version(kind="node", target="", name="NODE glioma", version="2.1"),
    )
    nifti_only = stored_segmentation(
        stored_exam(patient, 1), tumour(3, 3, 3), scheme=LabelScheme.BRATS2020
    )
    return patient, segmentation, nifti_only


@pytest.fixture
def bundle(from_dicom, tmp_path):
    patient, _, _ = from_dicom
    out = tmp_path / "export.zip"
    return out, build(Patient.objects.filter(pk=patient.pk), out)


def entry_of(manifest, segmentation) -> dict:
    (entry,) = [e for e in manifest["segmentations"] if e["segmentation_id"] == segmentation.pk]
    return entry


def world_lps(indices: np.ndarray, affine: np.ndarray) -> set[tuple]:
    points = affine[:3, :3] @ indices.T + affine[:3, 3:4]
    return {tuple(p) for p in np.round(points.T, 3)}


def test_the_seg_re_read_holds_the_voxels_of_the_nifti_mask_region_by_region(
    bundle, from_dicom, tmp_path
):
    out, manifest = bundle
    _, segmentation, _ = from_dicom
    entry = entry_of(manifest, segmentation)
    with zipfile.ZipFile(out) as archive:
        (tmp_path / "seg.dcm").write_bytes(archive.read(entry["dicom_seg"]))
        nifti = nib.Nifti1Image.from_bytes(gzip.decompress(archive.read(entry["file"])))
    labels = np.asanyarray(nifti.dataobj)
    regions = LABELS[LabelScheme.BRATS2020]
    seg = hd.seg.segread(tmp_path / "seg.dcm")
    volume = seg.get_volume(combine_segments=False)
    for number, described in enumerate(seg.SegmentSequence, start=1):
        (value,) = [v for v, name in regions.items() if name == described.SegmentLabel]
        in_seg = world_lps(np.argwhere(volume.array[..., number - 1]), volume.affine)
        in_nifti = world_lps(np.argwhere(labels == value), LPS_FROM_RAS @ nifti.affine)
        assert in_seg == in_nifti and in_nifti


def test_the_seg_carries_the_pseudonym_and_the_pseudonymised_series(bundle, from_dicom):
    out, manifest = bundle
    _, segmentation, _ = from_dicom
    source = segmentation.exam.acquired_series.get()
    with zipfile.ZipFile(out) as archive:
        dataset = pydicom.dcmread(
            io.BytesIO(archive.read(entry_of(manifest, segmentation)["dicom_seg"]))
        )
    assert dataset.PatientID == PSEUDONYM
    assert dataset.StudyInstanceUID == source.dicom_study_uid
    (referenced,) = dataset.ReferencedSeriesSequence
    assert referenced.SeriesInstanceUID == source.dicom_series_uid


def test_an_exam_imported_as_nifti_has_no_seg_and_the_manifest_says_why(bundle, from_dicom):
    _, manifest = bundle
    _, _, nifti_only = from_dicom
    entry = entry_of(manifest, nifti_only)
    assert entry["dicom_seg"] is None
    assert "no acquired DICOM series" in entry["dicom_seg_missing"]


def test_the_manifest_hashes_the_seg_and_a_tampered_one_is_named(bundle, from_dicom, tmp_path):
    out, manifest = bundle
    _, segmentation, _ = from_dicom
    name = entry_of(manifest, segmentation)["dicom_seg"]
    assert name in manifest["files"]
    verify(out)
    with pytest.raises(BundleError) as refused:
        verify(rewritten(out, tmp_path, name, b"DICM but not the SEG"))
    assert refused.value.files == [name]
