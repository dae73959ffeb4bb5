"""Research exports in the background: a researcher starts an export on /exports/research/, a
worker makes the same bundle the command makes, reporting its progress, and the job's page
gives a download link that works for its owner alone until it expires."""

import io
import time
import zipfile

import pytest
from django.core.management import call_command

from reviewer.cases.permissions import grant_patient
from reviewer.core import progress
from reviewer.exports import links, runs
from reviewer.exports.bundle import verify
from reviewer.exports.models import ExportJob
from reviewer.exports.releases import decide

PAGE = "/exports/research/"


@pytest.fixture
def researcher(make_user, reviewed):
    user = make_user("researcher", username="researcher-j")
    grant_patient(reviewed.patient, user)
    decide(action="release", steward=make_user("admin"), patient=reviewed.patient, researcher=user)
    return user


def started(client, **form) -> ExportJob:
    answer = client.post(PAGE, form)
    assert answer.status_code == 302, answer.content.decode()
    return ExportJob.objects.get(pk=answer.url.rstrip("/").rsplit("/", 1)[1])


@pytest.fixture
def made(client_for, researcher):
    """The researcher's export, started on the page and run here as the worker runs it."""
    client = client_for(researcher)
    job = started(client, patients="NR-EXPORT01")
    runs.run(job)
    job.refresh_from_db()
    return client, job


def downloaded(answer) -> io.BytesIO:
    return io.BytesIO(b"".join(answer.streaming_content))


def test_the_owner_downloads_a_bundle_that_verifies(made, tmp_path):
    client, job = made
    assert job.status == ExportJob.Status.SUCCEEDED
    page = client.get(f"{PAGE}{job.pk}/").content.decode()
    assert f"/exports/research/download/{job.token}/" in page
    answer = client.get(f"/exports/research/download/{job.token}/")
    assert answer.status_code == 200
    (tmp_path / "export.zip").write_bytes(downloaded(answer).getvalue())
    assert verify(tmp_path / "export.zip").manifest["patients"] == ["NR-EXPORT01"]


def test_the_job_reports_its_progress_up_to_every_segmentation(monkeypatch, client_for, researcher):
    reported = []
    reporter = progress.reporter

    def spying(job):
        report = reporter(job)

        def spy(done, total, message):
            reported.append((done, total))
            report(done, total, message)

        return spy

    monkeypatch.setattr(progress, "reporter", spying)
    job = started(client_for(researcher))
    runs.run(job)
    job.refresh_from_db()
    total = len(verify(runs.export_dir() / job.file).manifest["segmentations"])
    assert reported == [(done, total) for done in range(1, total + 1)]
    assert progress.job_state(job)["progress"] == 100


def test_an_expired_link_is_refused_with_410(made, monkeypatch, settings):
    client, job = made
    settings.NEUROREVIEW_EXPORT_LINK_MAX_AGE_S = 60
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: 1_700_000_000.0)
        token = links.sign(job.pk)
    answer = client.get(f"/exports/research/download/{token}/")
    assert answer.status_code == 410
    assert "This download link has expired" in answer.content.decode()


def test_the_job_page_says_when_its_link_has_expired(made, settings):
    client, job = made
    settings.NEUROREVIEW_EXPORT_LINK_MAX_AGE_S = -1
    page = client.get(f"{PAGE}{job.pk}/").content.decode()
    assert "The download link expired on" in page
    assert f"/download/{job.token}/" not in page


def test_a_tampered_link_is_refused_with_404(made):
    client, job = made
    forged = links.sign(job.pk).replace(f"{job.pk}:", f"{job.pk + 1}:", 1)
    answer = client.get(f"/exports/research/download/{forged}/")
    assert answer.status_code == 404
    assert "This download link is not valid" in answer.content.decode()


def test_another_users_job_and_link_are_404(made, client_for, make_user):
    _, job = made
    other = client_for(make_user("researcher"))
    assert other.get(f"{PAGE}{job.pk}/").status_code == 404
    assert other.get(f"/exports/research/download/{job.token}/").status_code == 404


def test_a_patient_not_released_is_refused_on_the_form(client_for, make_user, reviewed):
    user = make_user("researcher")
    grant_patient(reviewed.patient, user)
    answer = client_for(user).post(PAGE, {"patients": "NR-EXPORT01"})
    assert answer.status_code == 200
    assert "not released to you for export: NR-EXPORT01" in answer.content.decode()
    assert not ExportJob.objects.exists()


def test_a_release_revoked_before_the_worker_runs_fails_the_job(
    client_for, researcher, reviewed, make_user
):
    job = started(client_for(researcher), patients="NR-EXPORT01")
    decide(action="revoke", steward=make_user("admin"), patient=reviewed.patient)
    runs.run(job)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "not released" in job.error and not job.token


def test_a_radiologist_may_not_export_403(client_for, make_user):
    client = client_for(make_user("radiologist"))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {}).status_code == 403


@pytest.fixture
def shared_media(celery_worker_process, settings):
    """The worker reads the segmentations this process stores."""
    _, media, _ = celery_worker_process
    settings.MEDIA_ROOT = media


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_the_same_bundle_as_the_command(
    shared_media, researcher, client_for, tmp_path
):
    job = started(client_for(researcher), patients="NR-EXPORT01")
    deadline = time.monotonic() + 90
    while not job.is_finished:
        assert time.monotonic() < deadline, "the worker did not make the export in 90 s"
        time.sleep(0.3)
        job.refresh_from_db()
    assert job.status == ExportJob.Status.SUCCEEDED, job.error
    out = tmp_path / "command.zip"
    call_command("export_research", str(out), user=researcher.username, patients=["NR-EXPORT01"])
    by_worker, by_command = verify(runs.export_dir() / job.file), verify(out)
    assert by_worker.manifest["files"] == by_command.manifest["files"]
    assert by_worker.features == by_command.features
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == len(by_command.manifest["files"]) + 1


def expire(job: ExportJob, monkeypatch) -> None:
    """Sign the job's link as made long ago (past its maximum age)."""
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: 1_700_000_000.0)
        ExportJob.objects.filter(pk=job.pk).update(token=links.sign(job.pk))
    job.refresh_from_db()


def test_an_expired_bundle_is_deleted_by_the_next_export_run(made, client_for, monkeypatch):
    client, job = made
    expire(job, monkeypatch)
    zip_path = runs.export_dir() / job.file
    runs.run(started(client, patients="NR-EXPORT01"))
    assert not zip_path.exists()
    job.refresh_from_db()
    assert job.file == ""
    assert "and the bundle was deleted" in client.get(f"{PAGE}{job.pk}/").content.decode()


def test_a_bundle_whose_link_is_valid_is_kept(made):
    client, job = made
    runs.run(started(client, patients="NR-EXPORT01"))
    assert (runs.export_dir() / job.file).is_file()


def test_the_command_deletes_expired_bundles_and_says_which(made, monkeypatch):
    _, job = made
    expire(job, monkeypatch)
    out = io.StringIO()
    call_command("delete_expired_exports", stdout=out)
    assert f"deleted the bundle of export {job.pk} (export-{job.pk}.zip)" in out.getvalue()
    assert not (runs.export_dir() / f"export-{job.pk}.zip").exists()
