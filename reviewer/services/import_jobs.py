"""Import jobs: an upload saved aside, imported by a worker, with progress any process can read.

Progress lives in the cache, not the job row: the import runs in one long transaction, and rows
it writes stay invisible to other connections until it commits."""

import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from reviewer.imaging.errors import ImagingInputError
from reviewer.imaging.labels import LabelScheme
from reviewer.imaging.safe_zip import extract_zip
from reviewer.imaging.sequences import Sequence
from reviewer.models import ImportJob
from reviewer.services.imports import import_brats, import_dicom

_PROGRESS_KEY = "import-job-progress:{pk}"


def create_import_job(*, user, kind: str, upload, options: dict) -> ImportJob:
    """Save the uploaded zip and enqueue its import once the job row is committed."""
    from reviewer.tasks import run_import_job

    upload_dir = Path(settings.NEUROREVIEW_UPLOAD_DIR)
    upload_dir.mkdir(parents=True, exist_ok=True)
    target = upload_dir / f"{uuid.uuid4().hex}.zip"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    job = ImportJob.objects.create(
        kind=kind, upload=str(target), upload_name=upload.name, options=options, created_by=user
    )
    transaction.on_commit(run_import_job.signature(kwargs={"job_pk": job.pk}).apply_async)
    return job


def job_state(job: ImportJob) -> dict:
    """What the job page and the WebSocket show: the row's status, the cache's live progress."""
    state = {
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "patients": [
            {"pseudonym": p.pseudonym, "url": f"/cases/{p.pseudonym}/"} for p in job.patients.all()
        ],
    }
    if not job.is_finished:
        state.update(cache.get(_PROGRESS_KEY.format(pk=job.pk), {}))
    return state


def run(job: ImportJob) -> None:
    """Run one job to its end. Re-running a finished job does nothing."""
    if job.is_finished:
        return
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    def progress(done: int, total: int, message: str) -> None:
        percent = int(100 * done / total) if total else 0
        cache.set(
            _PROGRESS_KEY.format(pk=job.pk),
            {"status": ImportJob.Status.RUNNING, "progress": percent, "message": message},
            timeout=24 * 3600,
        )

    workdir = Path(tempfile.mkdtemp(prefix=f"import-{job.pk}-"))
    try:
        root = extract_zip(
            Path(job.upload), workdir, max_total_bytes=settings.NEUROREVIEW_IMPORT_MAX_BYTES
        )
        patients = _import(job, root, progress)
    except ImagingInputError as error:
        _finish(job, status=ImportJob.Status.FAILED, error=f"Nothing was imported. {error}")
    else:
        job.patients.set(patients)
        _finish(
            job, status=ImportJob.Status.SUCCEEDED, message=f"Imported {len(patients)} patient(s)"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _import(job: ImportJob, root: Path, progress):
    if job.kind == ImportJob.Kind.BRATS:
        scheme = job.options.get("label_scheme")
        return import_brats(
            _single_top_folder(root),
            label_scheme=LabelScheme(scheme) if scheme else None,
            progress=progress,
        )
    overrides = {k: Sequence(v) for k, v in job.options.get("sequence_overrides", {}).items()}
    return import_dicom(root, sequence_overrides=overrides, progress=progress)


def _single_top_folder(root: Path) -> Path:
    """A zip of a folder holds that folder; import what is inside it."""
    entries = [p for p in root.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else root


def _finish(job: ImportJob, *, status: str, message: str = "", error: str = "") -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        progress=100 if status == ImportJob.Status.SUCCEEDED else job.progress,
        message=message[:255],
        error=error,
        finished_at=timezone.now(),
    )
    cache.delete(_PROGRESS_KEY.format(pk=job.pk))
    Path(job.upload).unlink(missing_ok=True)
