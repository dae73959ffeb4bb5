"""An export bundle re-read from its files alone gives back the same numbers, and its manifest
hashes verify (issue 17, Done when); a tampered file is named."""

import hashlib
import zipfile

import pytest

from reviewer.cases.models import Patient
from reviewer.core.version import SOFTWARE_VERSION
from reviewer.exports.bundle import BundleError, build, verify
from tests.reviewer.exports.conftest import READER_NAME, REAL_NAME, REAL_PATIENT_ID


@pytest.fixture
def bundle(reviewed, tmp_path):
    path = tmp_path / "export.zip"
    manifest = build(Patient.objects.filter(pk=reviewed.patient.pk), path)
    return path, manifest


def rewritten(path, tmp_path, name: str, data: bytes):
    """A copy of the zip with one member's bytes replaced."""
    copy = tmp_path / f"tampered-{len(list(tmp_path.glob('tampered-*')))}.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, data if info.filename == name else source.read(info))
    return copy


def test_the_manifest_hashes_every_file_but_itself(bundle):
    path, manifest = bundle
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert set(manifest["files"]) == set(members) - {"manifest.json"}
    for name, sha256 in manifest["files"].items():
        assert hashlib.sha256(members[name]).hexdigest() == sha256


def test_the_manifest_names_software_and_model_versions(bundle):
    _, manifest = bundle
    assert manifest["software_version"] == SOFTWARE_VERSION
    (version,) = manifest["model_versions"]
    assert (version["name"], version["version"]) == ("NODE glioma", "2.1")
    assert manifest["survey_versions"] == [{"survey": "Export check", "number": 1}]


def test_the_segmentations_are_the_stored_nifti_bytes(bundle, reviewed):
    path, manifest = bundle
    (entry,) = [e for e in manifest["segmentations"] if e["segmentation_id"] == reviewed.model.pk]
    with zipfile.ZipFile(path) as archive:
        data = archive.read(entry["file"])
    assert hashlib.sha256(data).hexdigest() == reviewed.model.sha256


def test_re_reading_the_bundle_gives_back_the_features_computed_by_hand(bundle):
    path, _ = bundle
    verified = verify(path)
    by_exam = {(row["exam_order"], row["segmentation_source"]): row for row in verified.features}
    assert len(verified.features) == 4  # a reference and a model map on each of two exams
    baseline = by_exam[(0, "model")]  # ET 6, ED 10, NCR 4 voxels of 1.5 x 1.5 x 2 mm
    assert baseline["WT_voxels"] == 20 and baseline["WT_mm3"] == pytest.approx(90.0)
    assert baseline["f1_et_ncr"] == pytest.approx(1.5)
    assert baseline["f8_ncr_wt"] == pytest.approx(0.2)
    follow_up = by_exam[(1, "model")]  # oedema only: no tumour core
    assert follow_up["f7_ed_wt"] == 1.0 and follow_up["f2_et_tc"] is None
    assert "f2_et_tc: V_TC = 0" in follow_up["null_reasons"]


def test_re_reading_the_bundle_gives_back_its_events(bundle, reviewed):
    path, _ = bundle
    ids = {event["event_id"] for event in verify(path).events}
    grades = {reviewed.first_grade.pk, reviewed.second_grade.pk}
    assert {f"assessment-{pk}" for pk in grades} <= ids


def test_a_tampered_segmentation_is_named(bundle, tmp_path, reviewed):
    path, manifest = bundle
    name = manifest["segmentations"][0]["file"]
    with pytest.raises(BundleError) as refused:
        verify(rewritten(path, tmp_path, name, b"not the label map"))
    assert refused.value.files == [name]


def test_a_features_csv_edited_and_rehashed_in_the_manifest_still_fails(bundle, tmp_path):
    path, _ = bundle
    with zipfile.ZipFile(path) as archive:
        features = archive.read("features.csv").decode()
        manifest = archive.read("manifest.json").decode()
    old = hashlib.sha256(features.encode()).hexdigest()
    forged = features.replace("0.2", "0.25", 1)
    new = hashlib.sha256(forged.encode()).hexdigest()
    copy = rewritten(path, tmp_path, "features.csv", forged.encode())
    copy = rewritten(copy, tmp_path, "manifest.json", manifest.replace(old, new).encode())
    with pytest.raises(BundleError, match="features.csv differs"):
        verify(copy)


def test_no_file_of_the_bundle_holds_a_name_or_a_source_identifier(bundle):
    path, _ = bundle
    with zipfile.ZipFile(path) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    for secret in (REAL_NAME, REAL_PATIENT_ID, "19580214", *READER_NAME):
        assert secret.encode() not in everything
