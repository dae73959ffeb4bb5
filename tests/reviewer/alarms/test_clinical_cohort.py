"""The clinical rules on the synthetic cohort (imaging.synthetic): growth alarms fire for the
growing tumours and for none of the stable or shrinking ones, and new-activity alarms for the
MS-like patients.

The models would take minutes per exam on this machine, so each exam's AI result is stood in for
by the cohort's reference label map, stored as inference stores it: a glioma exam gets a NODE
composite (BraTS 2020 labels), an MS-like exam after the first a new-lesion detection (a model
version of kind "subtraction") whose components are the lesions absent from the exam before.
Each exam is then announced with segmentation.signals.exam_segmented, as inference announces it,
so the alarm app's receiver does the work."""

import datetime

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

from imaging.labels import LabelScheme
from imaging.nifti_io import volume_from_array
from imaging.synthetic import build_cohort
from reviewer.alarms.models import Alarm
from reviewer.cases.models import Exam, Patient
from reviewer.core.storage import atomic_import
from segmentation import segmentations, signals
from segmentation.models import Segmentation
from tests.reviewer.alarms.builders import subtraction_version

pytestmark = pytest.mark.django_db

PATIENTS = 8  # gliomas grow, shrink, stable twice each; patients 2 and 6 are MS-like


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("alarm-cohort")
    record = build_cohort(out, patients=PATIENTS, seed=20261125, resolution=2, formats=["brats"])
    return out / "brats", record


def label_map(brats, exam_record) -> tuple[np.ndarray, np.ndarray]:
    name = exam_record["case"]
    image = nib.load(brats / name / f"{name}_seg.nii.gz")
    return np.asarray(image.dataobj).astype(np.uint8), image.affine


def new_components(labels: np.ndarray, before: np.ndarray) -> np.ndarray:
    """The lesions of ``labels`` that share no voxel with the exam before: the new ones."""
    components, _ = ndimage.label(labels > 0, structure=np.ones((3, 3, 3)))
    persisting = np.unique(components[before > 0])
    return ((components > 0) & ~np.isin(components, persisting)).astype(np.uint8)


def store(exam, labels, affine, scheme, **origin) -> Segmentation:
    with atomic_import() as files:
        return segmentations.add_segmentation(
            exam, volume_from_array(labels, affine), scheme, files, source_file=exam.source_name,
            **origin,
        )  # fmt: skip


@pytest.fixture
def segmented(cohort) -> dict[str, dict]:
    """Every cohort patient stored with its exams' stand-in AI results, each exam announced as
    segmented; the cohort's record of each patient by pseudonym."""
    brats, record = cohort
    for patient_record in record["patients"]:
        kind = patient_record["kind"]
        patient = Patient.objects.create(pseudonym=patient_record["patient"], disease=kind)
        before = None
        for order, exam_record in enumerate(patient_record["exams"]):
            exam = Exam.objects.create(
                patient=patient,
                order=order,
                date=datetime.date.fromisoformat(exam_record["date"]),
                source_name=exam_record["case"],
            )
            labels, affine = label_map(brats, exam_record)
            if kind == "glioma":
                store(
                    exam, labels, affine, LabelScheme.BRATS2020, source="composite", family="node"
                )
            elif before is not None:
                store(
                    exam, new_components(labels, before), affine, LabelScheme.LESION,
                    source="model", model_version=subtraction_version(),
                )  # fmt: skip
            before = labels
            signals.exam_segmented.send(sender=Exam, exam=exam)
    return {p["patient"]: p for p in record["patients"]}


def alarmed(kind: str) -> set[str]:
    alarms = Alarm.objects.open().filter(kind=kind)
    return set(alarms.values_list("exam__patient__pseudonym", flat=True))


def of_course(segmented, *courses: str) -> set[str]:
    return {name for name, p in segmented.items() if p["course"] in courses}


def test_growth_alarms_fire_for_the_growing_tumours_and_for_no_stable_or_shrinking_one(segmented):
    assert of_course(segmented, "grow") == {"SYN-00001", "SYN-00005"}

    assert alarmed("growth") == of_course(segmented, "grow")


def test_each_growing_tumour_grew_40_percent_by_its_last_exam(segmented):
    last_exams = Alarm.objects.filter(kind="growth", exam__order=2)

    assert set(last_exams.values_list("exam__patient__pseudonym", flat=True)) == of_course(
        segmented, "grow"
    )
    for alarm in last_exams:
        baseline = alarm.evidence["priors"][-1]
        assert baseline["exam_order"] == 0 and baseline["change_percent"] >= 40.0


def test_growth_volumes_in_the_evidence_are_the_cohorts_whole_tumour_volumes(segmented):
    alarm = Alarm.objects.get(kind="growth", exam__patient__pseudonym="SYN-00001", exam__order=2)

    recorded = [e["volumes_ml"]["whole_tumour"] for e in segmented["SYN-00001"]["exams"]]
    assert alarm.evidence["volume_ml"] == pytest.approx(recorded[2], abs=0.01)
    assert [p["volume_ml"] for p in alarm.evidence["priors"]] == pytest.approx(
        [recorded[1], recorded[0]], abs=0.01
    )


def test_new_activity_alarms_fire_for_the_ms_like_patients_at_each_follow_up(segmented):
    alarms = Alarm.objects.open().filter(kind="new_lesion")

    assert (
        alarmed("new_lesion")
        == of_course(segmented, "new_lesions")
        == {
            "SYN-00002",
            "SYN-00006",
        }
    )
    assert sorted(alarms.values_list("exam__patient__pseudonym", "exam__order")) == [
        ("SYN-00002", 1), ("SYN-00002", 2), ("SYN-00006", 1), ("SYN-00006", 2),
    ]  # fmt: skip


def test_new_activity_counts_the_lesions_that_appeared_in_the_cohort(segmented):
    for alarm in Alarm.objects.filter(kind="new_lesion").select_related("exam__patient"):
        counts = [
            e["volumes_ml"]["lesion_count"]
            for e in segmented[alarm.exam.patient.pseudonym]["exams"]
        ]
        appeared = counts[alarm.exam.order] - counts[alarm.exam.order - 1]
        assert alarm.evidence["new_lesion_count"] == appeared
        assert alarm.evidence["consider_gadolinium"] is True


def test_the_synthetic_cohort_raises_no_other_clinical_alarm(segmented):
    kinds = set(Alarm.objects.values_list("kind", flat=True))

    assert kinds == {"growth", "new_lesion"}
