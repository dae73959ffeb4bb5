"""With a real Celery worker process (not eager mode): health probes and uploaded imports."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviewer.cases.models import Patient
from reviewer.core.health import health
from reviewer.imports.models import ImportJob
from tests.reviewer.imports import brats_builders as build

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def zipped(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder.parent))
    return buffer.getvalue()


def wait_for(job_pk: int, timeout_s: float = 120) -> ImportJob:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_pk)
        if job.is_finished:
            return job
        time.sleep(0.3)
    pytest.fail(f"import job {job_pk} did not finish in {timeout_s} s")


def test_health_reports_database_broker_and_a_worker_on_each_queue(celery_worker_process):
    report = health()

    assert report["ok"], report
    assert report["checks"]["worker_default"]["ok"] and report["checks"]["worker_gpu"]["ok"]
    assert "CUDA" in report["checks"]["gpu"]["detail"] or report["checks"]["gpu"]["ok"]


def test_health_page_answers_json_for_qa_admins(celery_worker_process, make_user, client_for):
    response = client_for(make_user("qa_admin")).get("/health/?format=json")

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {
        "database",
        "broker",
        "worker_default",
        "worker_gpu",
        "gpu",
    }


def test_an_uploaded_brats_zip_is_imported_by_the_worker(
    celery_worker_process, make_user, client_for, tmp_path
):
    build.write_exam_folder(tmp_path / "upload", "BraTS-GLI-00001-000", layout="2023", enhancing=3)
    upload = SimpleUploadedFile(
        "cohort.zip", zipped(tmp_path / "upload"), content_type="application/zip"
    )

    response = client_for(make_user("qa_admin")).post(
        "/api/imports/", {"kind": "brats", "file": upload}
    )

    assert response.status_code == 202
    job = wait_for(response.json()["id"])
    assert job.status == "succeeded", job.error
    patient = job.patients.get()
    assert patient.exams.get().series.count() == 4


def test_an_uploaded_dicom_study_is_imported_then_preprocessed_by_the_workers(
    celery_worker_process, make_user, client_for, tmp_path
):
    from django.core.management import call_command

    from reviewer.preprocessing.models import PreprocessingRun

    cohort = tmp_path / "cohort"
    call_command(
        "make_demo_cohort", "--patients", "1", "--resolution", "2", "--formats", "dicom",
        "--out", str(cohort),
    )  # fmt: skip
    [first_exam, *_] = sorted((cohort / "dicom" / "SYN-00001").iterdir())
    upload = SimpleUploadedFile("study.zip", zipped(first_exam), content_type="application/zip")

    response = client_for(make_user("qa_admin")).post(
        "/api/imports/", {"kind": "dicom", "file": upload}
    )

    job = wait_for(response.json()["id"])
    assert job.status == "succeeded", job.error
    exam = job.patients.get().exams.get()
    deadline = time.monotonic() + 120
    while not (run := PreprocessingRun.objects.get(exam=exam)).is_finished:
        assert time.monotonic() < deadline, "the preprocessing run did not finish in 120 s"
        time.sleep(0.3)
    assert run.status == run.Status.SUCCEEDED, run.error
    assert run.created_by == job.created_by
    assert exam.series.count() == 4


def test_a_bad_upload_fails_with_the_reason_and_imports_nothing(
    celery_worker_process, make_user, client_for, tmp_path
):
    build.write_exam_folder(tmp_path / "upload", "exam", skip=("t2",))
    upload = SimpleUploadedFile("bad.zip", zipped(tmp_path / "upload"))

    response = client_for(make_user("qa_admin")).post(
        "/api/imports/", {"kind": "brats", "file": upload}
    )

    job = wait_for(response.json()["id"])
    assert job.status == "failed"
    assert "exam: missing sequence(s) T2" in job.error
    assert not Patient.objects.exists()


def test_a_finished_job_run_again_changes_nothing(
    celery_worker_process, make_user, client_for, tmp_path
):
    from reviewer.imports.tasks import run_import_job

    build.write_exam_folder(tmp_path / "upload", "exam")
    upload = SimpleUploadedFile("one.zip", zipped(tmp_path / "upload"))
    job = wait_for(
        client_for(make_user("qa_admin"))
        .post("/api/imports/", {"kind": "brats", "file": upload})
        .json()["id"]
    )

    run_import_job.apply_async(kwargs={"job_pk": job.pk}).get(timeout=60)

    assert Patient.objects.count() == 1 and ImportJob.objects.get(pk=job.pk).status == "succeeded"


def test_an_inference_job_runs_on_the_gpu_queue_worker(
    celery_worker_process, settings, make_user, client_for, tmp_path
):
    from reviewer.imports.services import import_brats
    from segmentation.models import InferenceJob
    from tests.segmentation.model_builders import node_version, unet_version

    _, worker_media, _ = celery_worker_process
    settings.MEDIA_ROOT = worker_media  # the worker reads what this process stores
    build.write_exam_folder(tmp_path / "in", "exam")
    [patient] = import_brats(tmp_path / "in")
    node_version(tmp_path / "models")
    unet_version(tmp_path / "models", seed=1)

    response = client_for(make_user("qa_admin")).post(
        "/api/inference-jobs/", {"patient": patient.pseudonym}, content_type="application/json"
    )

    job_pk = response.json()["id"]
    deadline = time.monotonic() + 300
    while not InferenceJob.objects.get(pk=job_pk).is_finished and time.monotonic() < deadline:
        time.sleep(0.5)
    job = InferenceJob.objects.get(pk=job_pk)
    assert job.status == "succeeded", job.error
    assert patient.exams.get().segmentations.filter(source="model").count() == 2


def test_every_queued_patient_gets_its_u_net_results_before_any_node_runs(
    celery_worker_process, settings, make_user, tmp_path
):
    from reviewer.imports.services import import_brats
    from segmentation.inference_jobs import create_inference_job
    from segmentation.models import InferenceJob, Segmentation
    from tests.segmentation.model_builders import node_version, unet_version

    _, worker_media, _ = celery_worker_process
    settings.MEDIA_ROOT = worker_media  # the worker reads what this process stores
    for number in (1, 2):
        build.write_exam_folder(tmp_path / "in", f"BraTS-GLI-0000{number}-000", layout="2023")
    patients = import_brats(tmp_path / "in")
    node_version(tmp_path / "models")
    unet_version(tmp_path / "models", seed=1)
    user = make_user("qa_admin")

    jobs = [create_inference_job(user=user, patient=patient)[0] for patient in patients]

    deadline = time.monotonic() + 300
    while not all(InferenceJob.objects.get(pk=j.pk).is_finished for j in jobs):
        assert time.monotonic() < deadline, "the inference jobs did not finish in 300 s"
        time.sleep(0.5)
    assert all(InferenceJob.objects.get(pk=j.pk).status == "succeeded" for j in jobs)
    kinds = Segmentation.objects.filter(source="model").order_by("pk")
    assert list(kinds.values_list("model_version__kind", flat=True)) == [
        "unet",
        "unet",
        "node",
        "node",
    ]
