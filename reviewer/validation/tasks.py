"""The validation worker's tasks."""

from neuroreview.celery import gpu_task
from reviewer.core import progress
from reviewer.validation.models import RobustnessSweep, ValidationRun


@gpu_task()
def validate(*, run_pk: int) -> str:
    """Apply a run's candidate and baseline to its dataset version's cases. Idempotent: a case
    is recorded in its own transaction and skipped when it exists (acks late)."""
    from reviewer.validation import runs  # torch is loaded where jobs run

    return progress.run_job(ValidationRun.objects.get(pk=run_pk), runs.run)


@gpu_task()
def sweep(*, sweep_pk: int) -> str:
    """A run's FGSM robustness sweep: on the GPU, else on the CPU."""
    from reviewer.validation import robustness

    return progress.run_job(RobustnessSweep.objects.get(pk=sweep_pk), robustness.run)
