from neuroreview.celery import gpu_task
from reviewer.core.progress import run_job
from reviewer.preprocessing import runs
from reviewer.preprocessing.models import PreprocessingRun


@gpu_task()
def preprocess_exam(*, run_pk: int) -> str:
    """Run one exam's preprocessing. On the gpu queue: brain extraction is a network, and the
    exam's inference comes after it. Idempotent (runs.run)."""
    return run_job(PreprocessingRun.objects.get(pk=run_pk), runs.run)
