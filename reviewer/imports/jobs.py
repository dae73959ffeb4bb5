"""Import jobs: an upload saved aside, or studies to pull from a PACS, enqueued for a worker once
the job's row is committed."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from reviewer.imports.models import ImportJob
from reviewer.imports.tasks import run_import_job


def create_import_job(*, user, kind: str, upload, options: dict) -> ImportJob:
    """Save the uploaded zip and enqueue its import once the job row is committed."""
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


def create_pull_job(
    *, user, connection, studies: list[str], options: dict, enqueue: bool = True
) -> ImportJob:
    """Pull these studies (StudyInstanceUIDs) from the PACS, then import them as a DICOM upload
    is imported; enqueued unless the caller runs it itself (a command)."""
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.PACS,
        upload_name=f"{len(studies)} study(ies) from {connection.name}",
        options={**options, "connection": connection.pk, "studies": studies},
        created_by=user,
    )
    if enqueue:
        transaction.on_commit(run_import_job.signature(kwargs={"job_pk": job.pk}).apply_async)
    return job
