"""The worker's part of an export job: it decides the scope again (a release may have been
revoked since it was asked), writes the bundle under the export folder, verifies it from its
files and signs its download link."""

from pathlib import Path

from django.conf import settings

from reviewer.core import progress
from reviewer.datasets.models import DatasetVersion
from reviewer.exports import links, retention
from reviewer.exports.bundle import build, verify
from reviewer.exports.models import ExportJob
from reviewer.exports.scope import (
    ExportRefused,
    exportable_patients,
    still_reading,
    without_ai,
    without_reference,
)


def export_dir() -> Path:
    return Path(settings.NEUROREVIEW_EXPORT_DIR)


def scope_of(user, scope: dict):
    """The patients of a job's scope ({"patients": [...], "dataset_version": id or None}),
    or ExportRefused."""
    version = None
    if scope.get("dataset_version") is not None:
        version = DatasetVersion.objects.filter(pk=scope["dataset_version"]).first()
        if version is None:
            raise ExportRefused(f"dataset version {scope['dataset_version']} does not exist")
    return exportable_patients(user, scope.get("patients") or (), dataset_version=version)


def run(job: ExportJob) -> None:
    """Make the job's bundle; a scope now refused fails the job with the reason. Idempotent:
    a finished job is left as it is, an unfinished one written again."""
    if job.is_finished:
        return
    retention.delete_expired(export_dir())
    progress.start(job)
    try:
        patients = scope_of(job.created_by, job.scope)
    except ExportRefused as refused:
        progress.finish(job, status=ExportJob.Status.FAILED, error=str(refused))
        return
    name = f"export-{job.pk}.zip"
    out = export_dir() / name
    manifest = build(
        patients,
        out,
        progress=progress.reporter(job),
        without_ai=without_ai(job.created_by),
        without_reference=without_reference(job.created_by),
        still_reading=still_reading(job.created_by),
    )
    verified = verify(out)
    summary = {
        "patients": len(manifest["patients"]),
        "segmentations": len(manifest["segmentations"]),
        "events": len(verified.events),
        "bytes": out.stat().st_size,
    }
    ExportJob.objects.filter(pk=job.pk).update(file=name, token=links.sign(job.pk), summary=summary)
    progress.finish(
        job,
        status=ExportJob.Status.SUCCEEDED,
        message=f"{summary['patients']} patients, {summary['segmentations']} segmentations, "
        f"{summary['events']} events; every hash verified",
    )
