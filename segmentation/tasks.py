from neuroreview.celery import gpu_task
from reviewer.core.progress import run_job
from segmentation.models import InferenceJob


@gpu_task()
def segment(*, job_pk: int) -> str:
    """Segment a patient's exams (or one exam). Idempotent: each segmentation is written in its
    own transaction and skipped when it exists, so a job whose worker died resumes where it
    stopped when the broker hands it out again (acks late)."""
    from segmentation import inference

    return run_job(InferenceJob.objects.get(pk=job_pk), inference.run)
