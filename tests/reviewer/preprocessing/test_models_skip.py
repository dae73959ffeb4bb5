"""Models skip an exam whose series are not ready for them, and the job says why."""

import pytest

from imaging.sequences import Sequence
from reviewer.preprocessing import runs, services
from segmentation import inference, new_lesions
from segmentation.models import InferenceJob
from tests.reviewer.preprocessing.clinical_builders import acquired_exam
from tests.segmentation.model_builders import go_live, unet_version

pytestmark = pytest.mark.django_db


def segment(exam, user) -> InferenceJob:
    job = InferenceJob.objects.create(patient=exam.patient, created_by=user)
    inference.run(job)
    job.refresh_from_db()
    return job


@pytest.fixture
def operator(make_user):
    return make_user("qa_admin")


def test_an_exam_still_being_preprocessed_is_skipped(tmp_path, operator):
    unet_version(tmp_path)
    exam, _ = acquired_exam()

    job = segment(exam, operator)

    assert job.message.endswith("skipped exam 0 is still being preprocessed")
    assert not exam.segmentations.exists()


def test_an_exam_whose_preprocessing_qa_rejected_is_skipped(tmp_path, operator):
    unet_version(tmp_path)
    exam, run = acquired_exam()
    runs.run(run)
    services.reject(run, user=operator, reason="mask cuts the frontal lobe")

    job = segment(exam, operator)

    assert "QA rejected the preprocessing of exam 0 (mask cuts the frontal lobe)" in job.message
    assert not exam.segmentations.exists()


def test_a_preprocessed_exam_is_segmented(tmp_path, operator):
    unet_version(tmp_path)
    exam, run = acquired_exam()
    runs.run(run)

    job = segment(exam, operator)

    assert job.status == job.Status.SUCCEEDED
    assert exam.segmentations.count() == 1


def test_a_sequence_whose_field_of_view_misses_the_brain_stops_the_glioma_models(
    tmp_path, operator
):
    unet_version(tmp_path)
    exam, run = acquired_exam()
    runs.run(run)
    run.flags = [{"code": "field_of_view", "sequence": "T2", "reason": "the field of view "
                  "of T2 misses 12% of the brain"}]  # fmt: skip
    run.save(update_fields=["flags"])

    job = segment(exam, operator)

    assert "exam 0: the field of view of T2 misses 12% of the brain" in job.message
    assert not exam.segmentations.exists()


def test_a_thick_flair_stops_the_ms_new_lesion_detection_with_the_reason(operator):
    go_live(new_lesions.register_detection())
    prior, prior_run = acquired_exam(disease="ms", patient="MS-1")
    runs.run(prior_run)
    exam, run = acquired_exam(disease="ms", patient="MS-1", thick=(Sequence.FLAIR,))
    runs.run(run)
    job = InferenceJob.objects.create(patient=exam.patient, created_by=operator)

    new_lesions.run(job)

    job.refresh_from_db()
    assert "FLAIR has 6.0 mm slices" in job.message
