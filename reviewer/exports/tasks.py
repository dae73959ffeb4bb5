from neuroreview.celery import default_task
from reviewer.core.progress import run_job
from reviewer.exports import runs
from reviewer.exports.models import ExportJob


@default_task()
def run_export_job(*, job_pk: int) -> str:
    """Make one export bundle. Idempotent: a finished job is left as it is; a bundle a dead
    worker left half written is written again."""
    return run_job(ExportJob.objects.get(pk=job_pk), runs.run)
