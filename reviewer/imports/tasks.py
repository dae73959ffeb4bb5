from neuroreview.celery import default_task
from reviewer.core.progress import run_job
from reviewer.imports import uploads
from reviewer.imports.models import ImportJob


@default_task()
def run_import_job(*, job_pk: int) -> str:
    """Import one uploaded zip. Idempotent: a finished job is left as it is, and an import that a
    dead worker left half done was rolled back, so running it again is safe."""
    return run_job(ImportJob.objects.get(pk=job_pk), uploads.run)
