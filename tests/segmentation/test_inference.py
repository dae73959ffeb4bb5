"""Inference jobs: deployed model versions segment a patient's exams, with ACC curves for NODE
models and ensemble alarms; reruns make no duplicates; access follows the patient."""

import numpy as np
import pytest

from reviewer.alarms.models import Alarm, EnsembleAgreement
from reviewer.cases.permissions import grant_patient
from reviewer.core.storage import read_nifti
from reviewer.imports.services import import_brats
from segmentation import inference, tasks
from segmentation.models import AccCurves, InferenceJob, Segmentation
from tests.reviewer.imports import brats_builders as build
from tests.segmentation.model_builders import node_version, unet_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(tmp_path):
    build.write_exam_folder(tmp_path / "in", "BraTS-GLI-00001-000", layout="2023", enhancing=3)
    build.write_exam_folder(
        tmp_path / "in", "BraTS-GLI-00001-001", layout="2023", enhancing=3, seed=1
    )
    [patient] = import_brats(tmp_path / "in")
    return patient


@pytest.fixture
def ensemble(tmp_path):
    models = tmp_path / "models"
    return [
        node_version(models, seed=0),
        unet_version(models, seed=1),
    ]


def run_job(patient, user, exam=None) -> InferenceJob:
    job = InferenceJob.objects.create(patient=patient, exam=exam, created_by=user)
    inference.run(job)
    return InferenceJob.objects.get(pk=job.pk)


def test_every_deployed_model_segments_every_exam(patient, ensemble, make_user):
    job = run_job(patient, make_user("qa_admin"))

    assert job.status == "succeeded", job.error
    assert Segmentation.objects.filter(source="model").count() == 2 * len(ensemble)
    assert set(Segmentation.objects.filter(source="model").values_list("target", flat=True)) == {
        "WT"
    }
    assert job.device == "CPU"


def test_the_job_stores_masks_and_leaves_the_acc_curves_for_later(patient, ensemble, make_user):
    job = run_job(patient, make_user("qa_admin"))

    assert not AccCurves.objects.exists()
    missing = list(tasks.acc_curves_missing(job))
    assert [s.exam.order for s in missing] == [0, 1]
    assert {s.model_version.kind for s in missing} == {"node"}


def test_node_segmentations_get_acc_curves_over_101_stages(patient, ensemble, make_user):
    job = run_job(patient, make_user("qa_admin"))
    for segmentation in tasks.acc_curves_missing(job):
        inference.store_acc_curves(segmentation)

    flow = AccCurves.objects.get(segmentation__exam__order=0)
    assert len(flow.stages) == 101 and flow.stages[0] == 0.0 and flow.stages[-1] == 1.0
    assert np.array(flow.acc_mean, dtype=float).shape == (101, 4)
    mask = read_nifti(flow.segmentation.file.name).get_fdata() > 0
    assert flow.slices == int(mask.any(axis=(0, 1)).sum())


def test_node_acc_curves_store_the_exam_shares_of_gamma_and_background(
    patient, ensemble, make_user
):
    job = run_job(patient, make_user("qa_admin"))
    for segmentation in tasks.acc_curves_missing(job):
        inference.store_acc_curves(segmentation)

    flow = AccCurves.objects.get(segmentation__exam__order=0)
    for share in (flow.gamma_share, flow.background_share):
        values = np.array(share, dtype=float)  # null (undefined) reads as NaN
        assert values.shape == (101, 4)
        assert np.nanmin(values) >= 0 and np.nanmax(values) <= 1


def test_running_a_job_again_adds_no_segmentation(patient, ensemble, make_user):
    user = make_user("qa_admin")
    run_job(patient, user)
    before = list(Segmentation.objects.order_by("pk").values_list("pk", "sha256"))

    run_job(patient, user)

    assert list(Segmentation.objects.order_by("pk").values_list("pk", "sha256")) == before


def test_model_segmentations_are_reproducible_from_the_same_weights(patient, ensemble, make_user):
    run_job(patient, make_user("qa_admin"))
    first = dict(Segmentation.objects.filter(source="model").values_list("pk", "sha256"))
    Segmentation.objects.filter(source="model").delete()

    run_job(patient, make_user("qa_admin"))

    assert sorted(Segmentation.objects.filter(source="model").values_list("sha256", flat=True)) == (
        sorted(first.values())
    )


def test_each_candidate_is_measured_against_the_fusion(patient, ensemble, make_user):
    run_job(patient, make_user("qa_admin"))

    assert EnsembleAgreement.objects.count() == 2 * len(ensemble)
    assert all(a.dice is None or 0.0 <= a.dice <= 1.0 for a in EnsembleAgreement.objects.all())


def test_alarms_carry_their_evidence_and_count_as_risk(patient, ensemble, make_user):
    run_job(patient, make_user("qa_admin"))

    for alarm in Alarm.objects.filter(kind="unreliable"):
        assert {"target", "model_version", "metric", "value", "threshold", "alpha"} <= set(
            alarm.evidence
        )
        assert alarm.evidence["alpha"] == 0.1
    risk = {
        exam.pk: exam.alarms.filter(cleared_at__isnull=True).count() for exam in patient.exams.all()
    }
    assert sum(risk.values()) == Alarm.objects.filter(cleared_at__isnull=True).count()


def test_a_job_without_deployed_models_fails_clearly(patient, make_user):
    job = run_job(patient, make_user("qa_admin"))

    assert job.status == "failed" and "No model version is deployed" in job.error


def test_one_exam_can_be_segmented_alone(patient, ensemble, make_user):
    run_job(patient, make_user("qa_admin"), exam=patient.exams.get(order=1))

    assert set(
        Segmentation.objects.filter(source="model").values_list("exam__order", flat=True)
    ) == {1}


def test_a_radiologist_starts_a_job_for_a_visible_patient_from_the_case_page(
    patient, ensemble, make_user, client_for, django_capture_on_commit_callbacks
):
    radiologist = make_user("radiologist")
    grant_patient(patient, radiologist)

    with django_capture_on_commit_callbacks() as enqueued:
        response = client_for(radiologist).post(f"/cases/{patient.pseudonym}/segment/")

    job = InferenceJob.objects.get()
    assert response.status_code == 302 and response.url == f"/inference/{job.pk}/"
    assert len(enqueued) == 1


def test_the_worklist_offers_each_patient_a_segment_button_posting_with_csrf(
    patient, make_user, client_for
):
    radiologist = make_user("radiologist")
    grant_patient(patient, radiologist)

    page = client_for(radiologist).get("/worklist/").content.decode()

    form = page[page.index(f'action="/cases/{patient.pseudonym}/segment/"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrfmiddlewaretoken"' in form and ">Segment</button>" in form


def test_a_radiologist_cannot_start_a_job_for_a_patient_not_granted(patient, make_user, client_for):
    response = client_for(make_user("radiologist")).post(f"/cases/{patient.pseudonym}/segment/")

    assert response.status_code == 404 and not InferenceJob.objects.exists()


def test_the_api_starts_a_job_and_refuses_an_exam_of_another_patient(
    patient, tmp_path, make_user, client_for
):
    client = client_for(make_user("qa_admin"))
    build.write_exam_folder(tmp_path / "other", "other")
    [other] = import_brats(tmp_path / "other")

    refused = client.post(
        "/api/inference-jobs/",
        {"patient": patient.pseudonym, "exam": other.exams.get().pk},
        content_type="application/json",
    )
    accepted = client.post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )

    assert refused.status_code == 400 and "exam" in refused.json()
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"


def test_researchers_cannot_start_jobs(patient, make_user, client_for):
    response = client_for(make_user("researcher")).post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )

    assert response.status_code == 403


def test_the_segment_command_segments_a_patient_and_reports(patient, ensemble, make_user):
    from io import StringIO

    from django.core.management import call_command

    make_user("admin")
    out = StringIO()

    call_command("segment", "--patient", patient.pseudonym, stdout=out)

    assert f"{patient.pseudonym}: succeeded" in out.getvalue()
    assert Segmentation.objects.filter(source="model").count() == 2 * len(ensemble)


def test_the_segment_command_names_an_unknown_patient(make_user):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="NR-NOBODY"):
        call_command("segment", "--patient", "NR-NOBODY")


def test_the_job_reports_progress_within_each_model_s_pass_over_an_exam(
    patient, ensemble, make_user
):
    job = InferenceJob.objects.create(patient=patient, created_by=make_user("qa_admin"))
    heard = []

    inference.run(job, also_report=lambda done, total, message: heard.append((done, message)))

    within = [(done, message) for done, message in heard if ", slice " in message]
    assert len(within) >= len(ensemble) * 2  # each model's pass over each exam, batch by batch
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)
    assert within[0][1].startswith("exam 0 (1 of 2): ") and " of " in within[0][1].split("slice")[1]


def test_one_family_at_a_time_runs_the_u_nets_first_and_leaves_the_job_running(
    patient, ensemble, make_user
):
    job = InferenceJob.objects.create(patient=patient, created_by=make_user("qa_admin"))
    heard = []

    inference.run(job, one_family=True, also_report=lambda *report: heard.append(report))

    stored = Segmentation.objects.filter(source="model")
    assert set(stored.values_list("model_version__kind", flat=True)) == {"unet"}
    assert stored.count() == 2  # the U-Net on two exams
    assert not InferenceJob.objects.get(pk=job.pk).is_finished
    assert heard[-1][2] == "U-Net results stored; the Neural ODE models wait for other jobs"


def test_the_next_family_finishes_the_job_where_the_first_left_it(patient, ensemble, make_user):
    job = InferenceJob.objects.create(patient=patient, created_by=make_user("qa_admin"))
    inference.run(job, one_family=True)
    heard = []

    inference.run(job, one_family=True, also_report=lambda *report: heard.append(report))

    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert Segmentation.objects.filter(source="model", model_version__kind="node").count() == 2
    assert heard[0][0] == 2  # the progress goes on from the U-Net's two segmentations


def test_an_unknown_pseudonym_answers_as_a_patient_not_granted(patient, make_user, client_for):
    # the probe told the two apart (400 "does not exist" against 404)
    client = client_for(make_user("radiologist"))

    unknown = client.post(
        "/api/inference-jobs/", {"patient": "NR-NOBODY00"}, content_type="application/json"
    )
    hidden = client.post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )

    assert unknown.status_code == hidden.status_code == 404
    assert unknown.json() == hidden.json()
    assert not InferenceJob.objects.exists()


def test_a_pseudonym_with_a_nul_character_is_no_such_patient(make_user, client_for):
    client = client_for(make_user("radiologist"))

    response = client.post(
        "/api/inference-jobs/", {"patient": "NR-\x00"}, content_type="application/json"
    )

    assert response.status_code == 404


def test_a_second_request_returns_the_patients_waiting_job(patient, make_user, client_for):
    client = client_for(make_user("qa_admin"))

    first = client.post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )
    again = client.post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert InferenceJob.objects.count() == 1


def test_a_finished_job_does_not_stop_a_new_one(patient, make_user, client_for):
    client = client_for(make_user("qa_admin"))
    first = client.post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )
    InferenceJob.objects.filter(pk=first.json()["id"]).update(status="succeeded")

    again = client.post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )

    assert again.status_code == 202 and again.json()["id"] != first.json()["id"]


def test_a_reader_at_the_waiting_job_limit_is_refused_with_the_limit_named(
    patient, tmp_path, make_user, client_for, settings
):
    settings.NEUROREVIEW_WAITING_JOBS_PER_USER = 1
    build.write_exam_folder(tmp_path / "other", "other")
    [other] = import_brats(tmp_path / "other")
    client = client_for(make_user("qa_admin"))
    client.post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )

    refused = client.post(
        "/api/inference-jobs/", {"patient": other.pseudonym}, content_type="application/json"
    )
    from_the_page = client.post(f"/cases/{other.pseudonym}/segment/", follow=True)

    assert refused.status_code == 429
    assert "NEUROREVIEW_WAITING_JOBS_PER_USER" in refused.json()["detail"]
    assert "at the limit of 1" in from_the_page.content.decode()
    assert InferenceJob.objects.count() == 1
