"""The preprocessing runs API: who reads runs, who rejects and re-runs them, and the refusals."""

import pytest

from reviewer.cases.permissions import grant_patient
from reviewer.preprocessing import runs
from reviewer.preprocessing.models import BrainMask, PreprocessingRun
from tests.imaging.synthetic_heads import extract_the_known_brain
from tests.reviewer.preprocessing.clinical_builders import acquired_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def preprocessed():
    exam, run = acquired_exam()
    runs.run(run)
    run.refresh_from_db()
    return exam, run


def test_a_radiologist_reads_the_runs_of_a_patient_granted_to_them(
    preprocessed, make_user, client_for
):
    exam, run = preprocessed
    reader = make_user("radiologist")
    grant_patient(exam.patient, reader)

    response = client_for(reader).get(f"/api/preprocessing-runs/?exam={exam.pk}")

    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert (listed["id"], listed["status"]) == (run.pk, "succeeded")


def test_a_radiologist_gets_404_for_a_run_of_a_patient_not_granted(
    preprocessed, make_user, client_for
):
    _, run = preprocessed

    response = client_for(make_user("radiologist")).get(f"/api/preprocessing-runs/{run.pk}/")

    assert response.status_code == 404


def test_a_researcher_may_not_read_runs(preprocessed, make_user, client_for):
    response = client_for(make_user("researcher")).get("/api/preprocessing-runs/")

    assert response.status_code == 403


def test_a_radiologist_may_not_reject_a_run(preprocessed, make_user, client_for):
    exam, run = preprocessed
    reader = make_user("radiologist")
    grant_patient(exam.patient, reader)

    response = client_for(reader).post(
        f"/api/preprocessing-runs/{run.pk}/rejection/", {"reason": "bad mask"}
    )

    assert response.status_code == 403
    run.refresh_from_db()
    assert run.rejected_at is None


def test_a_qa_admin_rejects_a_run_with_a_reason(preprocessed, make_user, client_for):
    _, run = preprocessed
    qa = make_user("qa_admin")

    response = client_for(qa).post(
        f"/api/preprocessing-runs/{run.pk}/rejection/", {"reason": "mask cuts the cerebellum"}
    )

    assert response.status_code == 200
    run.refresh_from_db()
    assert (run.rejected_by, run.rejection_reason) == (qa, "mask cuts the cerebellum")


def test_a_run_is_rejected_once(preprocessed, make_user, client_for):
    _, run = preprocessed
    client = client_for(make_user("qa_admin"))
    client.post(f"/api/preprocessing-runs/{run.pk}/rejection/", {"reason": "first"})

    response = client.post(f"/api/preprocessing-runs/{run.pk}/rejection/", {"reason": "again"})

    assert response.status_code == 409
    assert response.json()["detail"] == f"run {run.pk} was rejected already"


def test_a_rejection_needs_a_reason(preprocessed, make_user, client_for):
    _, run = preprocessed

    response = client_for(make_user("qa_admin")).post(
        f"/api/preprocessing-runs/{run.pk}/rejection/", {"reason": "  "}
    )

    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_qa_admin_runs_an_exam_again_with_other_parameters(
    preprocessed, make_user, client_for, django_capture_on_commit_callbacks
):
    exam, _ = preprocessed

    with django_capture_on_commit_callbacks() as queued:
        response = client_for(make_user("qa_admin")).post(
            "/api/preprocessing-runs/",
            {"exam": exam.pk, "brain_threshold": 0.6, "bias_correction": True},
        )

    assert response.status_code == 202
    run = PreprocessingRun.objects.get(pk=response.json()["id"])
    assert run.status == run.Status.QUEUED
    assert run.parameters["brain_threshold"] == 0.6
    assert run.parameters["bias_correction"] is True
    assert run.parameters["spacing_mm"] == 2.0
    assert len(queued) == 1  # the worker's task, sent once the run is committed


def test_a_radiologist_may_not_run_an_exam_again(preprocessed, make_user, client_for):
    exam, _ = preprocessed
    reader = make_user("radiologist")
    grant_patient(exam.patient, reader)

    response = client_for(reader).post("/api/preprocessing-runs/", {"exam": exam.pk})

    assert response.status_code == 403
    assert exam.preprocessing_runs.count() == 1


def test_an_exam_is_not_run_again_while_a_run_of_it_waits(make_user, client_for):
    exam, run = acquired_exam()

    response = client_for(make_user("qa_admin")).post("/api/preprocessing-runs/", {"exam": exam.pk})

    assert response.status_code == 409
    assert response.json()["detail"] == f"run {run.pk} of exam 0 is still queued"


def test_an_exam_models_have_segmented_is_not_run_again(
    preprocessed, make_user, client_for, tmp_path
):
    from segmentation import inference
    from segmentation.models import InferenceJob
    from tests.segmentation.model_builders import unet_version

    exam, _ = preprocessed
    unet_version(tmp_path)
    qa = make_user("qa_admin")
    inference.run(InferenceJob.objects.create(patient=exam.patient, created_by=qa))

    response = client_for(qa).post("/api/preprocessing-runs/", {"exam": exam.pk})

    assert response.status_code == 409
    assert response.json()["detail"].startswith("models have segmented exam 0")


def test_an_exam_with_a_reference_label_is_not_run_again(preprocessed, make_user, client_for):
    from tests.reviewer.worklist.builders import segmentation

    exam, _ = preprocessed
    segmentation(exam, {"oedema": 100}, source="reference")  # a dataset version may hash it

    response = client_for(make_user("qa_admin")).post("/api/preprocessing-runs/", {"exam": exam.pk})

    assert response.status_code == 409
    assert response.json()["detail"].startswith("exam 0 has a label map on its series' grid")


def test_a_parameter_out_of_range_is_refused_by_name(preprocessed, make_user, client_for):
    exam, _ = preprocessed

    response = client_for(make_user("qa_admin")).post(
        "/api/preprocessing-runs/", {"exam": exam.pk, "brain_threshold": 2}
    )

    assert response.status_code == 400
    assert "brain_threshold" in response.json()


def test_acquired_series_voxels_are_served_to_a_reader_of_the_patient(
    preprocessed, make_user, client_for
):
    exam, _ = preprocessed
    reader = make_user("radiologist")
    grant_patient(exam.patient, reader)
    series = exam.acquired_series.first()

    response = client_for(reader).get(f"/api/acquired-series/{series.pk}/voxels/{series.sha256}")

    assert response.status_code == 200


def test_acquired_series_voxels_are_404_to_a_reader_not_granted(
    preprocessed, make_user, client_for
):
    exam, _ = preprocessed
    series = exam.acquired_series.first()

    response = client_for(make_user("radiologist")).get(
        f"/api/acquired-series/{series.pk}/voxels/{series.sha256}"
    )

    assert response.status_code == 404


def test_brain_mask_voxels_are_404_to_a_reader_not_granted(make_user, client_for, monkeypatch):
    extract_the_known_brain(monkeypatch)
    exam, run = acquired_exam()
    runs.run(run)
    mask = BrainMask.objects.get(run=run)
    reader = make_user("radiologist")
    url = f"/api/brain-masks/{mask.pk}/voxels/{mask.sha256}"

    refused = client_for(reader).get(url).status_code
    grant_patient(exam.patient, reader)

    assert (refused, client_for(reader).get(url).status_code) == (404, 200)
