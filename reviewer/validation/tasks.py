"""The validation worker's task."""

from neuroreview.celery import gpu_task
from reviewer.core import progress
from reviewer.validation.models import ValidationRun


@gpu_task()
def validate(*, run_pk: int) -> str:
    """Apply a run's candidate and baseline to its dataset version's cases. Idempotent: a case
    is recorded in its own transaction and skipped when it exists (acks late)."""
    from reviewer.validation import runs  # torch is loaded where jobs run

    return progress.run_job(ValidationRun.objects.get(pk=run_pk), runs.run)
