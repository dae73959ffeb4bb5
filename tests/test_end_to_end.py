"""End to end: build a small synthetic cohort with the command, import it both ways, and find
the same patients, exams and voxels through the BraTS and the DICOM importer."""

import json

import nibabel as nib
import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from reviewer.cases.models import Exam, Patient, Series
from segmentation.models import Segmentation

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort") / "cohort"
    call_command(
        "make_demo_cohort", "--patients", "2", "--seed", "3", "--resolution", "2", "--out", str(out)
    )
    return out, json.loads((out / "cohort.json").read_text())


def load(field_file):
    image = nib.load(default_storage.path(field_file.name))
    return np.asanyarray(image.dataobj), image.affine


def test_the_brats_folder_imports_every_patient_exam_and_reference(cohort):
    out, manifest = cohort

    call_command("import_brats", str(out / "brats"))

    assert Patient.objects.count() == 2
    assert Exam.objects.count() == 6 and Series.objects.count() == 24
    assert Segmentation.objects.filter(source="reference").count() == 6
    schemes = set(Segmentation.objects.values_list("label_scheme", flat=True))
    assert schemes == {"brats2020", "lesion"}  # patient 2 is MS-like


def test_reference_lesion_volumes_match_the_cohort_manifest(cohort):
    out, manifest = cohort

    call_command("import_brats", str(out / "brats"))

    for patient in manifest["patients"]:
        for exam in patient["exams"]:
            stored = Exam.objects.get(source_name=exam["case"])
            measured = sum(lesion.volume_ml for lesion in stored.segmentations.get().lesions.all())
            expected = exam["volumes_ml"].get("whole_tumour", exam["volumes_ml"].get("lesion"))
            assert measured == pytest.approx(expected, rel=1e-6)


def test_dicom_and_brats_imports_give_the_same_voxels_and_exam_intervals(cohort):
    out, manifest = cohort

    call_command("import_brats", str(out / "brats"))
    call_command("import_dicom", str(out / "dicom"))

    brats_patients = Patient.objects.filter(identity__source="brats")
    dicom_patients = Patient.objects.filter(identity__source="dicom")
    assert dicom_patients.count() == 2
    for brats_patient, dicom_patient in zip(
        brats_patients.order_by("identity__source_patient_id"),
        dicom_patients.order_by("identity__source_patient_id"),
        strict=True,
    ):
        brats_exams = list(brats_patient.exams.order_by("order"))
        dicom_exams = list(dicom_patient.exams.order_by("order"))
        assert [(e.date - brats_exams[0].date).days for e in brats_exams] == [
            (e.date - dicom_exams[0].date).days for e in dicom_exams
        ]
        for brats_exam, dicom_exam in zip(brats_exams, dicom_exams, strict=True):
            for sequence in ("FLAIR", "T1CE"):
                from_brats, brats_affine = load(brats_exam.series.get(sequence=sequence).file)
                from_dicom, dicom_affine = load(dicom_exam.series.get(sequence=sequence).file)
                np.testing.assert_allclose(dicom_affine, brats_affine, atol=1e-3)
                np.testing.assert_array_equal(from_dicom, from_brats)
