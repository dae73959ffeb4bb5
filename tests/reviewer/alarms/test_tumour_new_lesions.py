"""The new-lesion alarm of a glioma composite: a lesion that shares no voxel with a lesion of the
same family's composite on the exam before, on label maps stored as inference stores them."""

import datetime

import numpy as np
import pytest

from imaging.labels import LabelScheme
from imaging.nifti_io import volume_from_array
from imaging.sequences import Sequence
from reviewer.alarms import clinical
from reviewer.alarms.models import Alarm
from reviewer.cases import services as cases
from reviewer.core.storage import atomic_import
from segmentation import segmentations
from tests.reviewer.alarms.builders import rules_version
from tests.reviewer.factories import PatientFactory

pytestmark = pytest.mark.django_db

SHAPE = (32, 32, 16)  # 1 mm voxels: a 7×7×7 cube is 0.343 mL, over the 0.1 mL minimum
ONE_MM = np.diag([1.0, 1.0, 1.0, 1.0])
TUMOUR = (slice(4, 11), slice(4, 11), slice(4, 11))
ELSEWHERE = (slice(20, 27), slice(20, 27), slice(4, 11))


@pytest.fixture
def patient():
    return PatientFactory(disease="glioma")


def exam_on_grid(patient, order: int, affine=ONE_MM):
    exam = cases.add_exam(
        patient,
        date=datetime.date(2025, 1, 1) + datetime.timedelta(days=90 * order),
        source_name=f"exam-{order}",
    )
    with atomic_import() as files:
        image = volume_from_array(np.ones(SHAPE, dtype=np.int16), affine)
        cases.add_series(exam, Sequence.FLAIR, image, files)
    cases.renumber_exams(patient)  # as an import does
    exam.refresh_from_db()
    return exam


def composite(exam, *boxes, affine=ONE_MM, label=2):
    labels = np.zeros(SHAPE, dtype=np.uint8)
    for box in boxes:
        labels[box] = label
    with atomic_import() as files:
        return segmentations.add_segmentation(
            exam, volume_from_array(labels, affine), LabelScheme.BRATS2020, files,
            source_file=str(exam), source="composite", family="unet",
        )  # fmt: skip


def test_a_lesion_with_no_counterpart_at_the_exam_before_raises_a_new_lesion_alarm(patient):
    first, second = exam_on_grid(patient, 0), exam_on_grid(patient, 1)
    composite(first, TUMOUR)
    later = composite(second, TUMOUR, ELSEWHERE)

    clinical.evaluate_patient(patient)

    alarm = Alarm.objects.get(kind="new_lesion")
    assert (alarm.exam, alarm.segmentation) == (second, later)
    assert alarm.evidence["rule"] == "new_tumour_lesion"
    assert alarm.evidence["new_lesion_count"] == 1
    [new] = alarm.evidence["new_lesions"]
    assert later.lesions.get(pk=new["lesion"]).bbox == [[20, 20, 4], [26, 26, 10]]
    assert "1 new lesion since exam 0 (2025-01-01), largest 0.34 mL" in alarm.reason


def test_a_lesion_that_shares_a_voxel_with_one_before_is_not_new(patient):
    first, second = exam_on_grid(patient, 0), exam_on_grid(patient, 1)
    composite(first, TUMOUR)
    moved = (slice(10, 17), slice(4, 11), slice(4, 11))  # touches the old tumour in one plane
    composite(second, moved)

    clinical.evaluate_patient(patient)

    assert not Alarm.objects.filter(kind="new_lesion").exists()


def test_a_lesion_whose_only_counterpart_was_a_speck_below_the_minimum_is_new(patient):
    first, second = exam_on_grid(patient, 0), exam_on_grid(patient, 1)
    composite(first, TUMOUR, (slice(22, 23), slice(22, 23), slice(6, 7)))  # 1 voxel at ELSEWHERE
    composite(second, TUMOUR, ELSEWHERE)

    clinical.evaluate_patient(patient)

    assert Alarm.objects.get(kind="new_lesion").evidence["new_lesion_count"] == 1


def test_exams_on_different_grids_are_not_compared_for_new_lesions(patient):
    shifted = ONE_MM.copy()
    shifted[:3, 3] = [0.5, 0.0, 0.0]
    first, second = exam_on_grid(patient, 0), exam_on_grid(patient, 1, affine=shifted)
    composite(first, TUMOUR)
    composite(second, TUMOUR, ELSEWHERE, affine=shifted)

    clinical.evaluate_patient(patient)

    assert not Alarm.objects.filter(kind="new_lesion").exists()


def test_the_new_lesion_rule_is_off_with_new_activity(patient):
    first, second = exam_on_grid(patient, 0), exam_on_grid(patient, 1)
    composite(first, TUMOUR)
    composite(second, TUMOUR, ELSEWHERE)
    rules_version(new_activity_enabled=False)

    clinical.evaluate_patient(patient)

    assert not Alarm.objects.filter(kind="new_lesion").exists()
