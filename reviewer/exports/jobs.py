"""Export jobs as a user asks for them: the scope checked at once (a refusal is said on the
form), the job enqueued for a worker once its row is committed (reviewer.exports.runs)."""

from django.db import transaction

from reviewer.exports.models import ExportJob
from reviewer.exports.runs import scope_of
from reviewer.exports.tasks import run_export_job


def create_export_job(*, user, patients=(), dataset_version=None) -> ExportJob:
    """ExportRefused when the user may not export that scope."""
    scope = {
        "patients": sorted(patients),
        "dataset_version": dataset_version.pk if dataset_version is not None else None,
    }
    scope_of(user, scope)
    job = ExportJob.objects.create(created_by=user, scope=scope)
    transaction.on_commit(run_export_job.signature(kwargs={"job_pk": job.pk}).apply_async)
    return job
