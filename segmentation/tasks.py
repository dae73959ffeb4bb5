"""The segmentation worker's task, and the one place that chooses the AI for a patient."""

from neuroreview.celery import gpu_task
from reviewer.cases.models import Disease
from reviewer.core import progress
from segmentation.models import InferenceJob


@gpu_task()
def segment(*, job_pk: int) -> str:
    """Segment a patient's exams (or one exam) with the AI for the patient's disease.
    Idempotent: each segmentation is written in its own transaction and skipped when it exists,
    so a job whose worker died resumes where it stopped when the broker hands it out again
    (acks late)."""
    return progress.run_job(InferenceJob.objects.get(pk=job_pk), run)


def run(job: InferenceJob, *, also_report=None) -> None:
    """Glioma patients get the glioma models, MS patients the new-lesion detection; any other
    patient gets no AI, and the job fails saying why. ``also_report(done, total, message)``
    sees the progress too."""
    # torch and SimpleITK are loaded where jobs run, not by every process that enqueues one.
    from segmentation import inference, new_lesions

    runners = {Disease.GLIOMA: inference.run, Disease.MS: new_lesions.run}
    runner = runners.get(job.patient.disease)
    if runner is not None:
        runner(job, also_report=also_report)
    elif not job.is_finished:
        progress.finish(job, status=InferenceJob.Status.FAILED, error=no_ai_reason(job.patient))


def no_ai_reason(patient) -> str:
    return (
        f"No AI was run: the disease of patient {patient} is "
        f"{patient.get_disease_display().lower()}. Glioma models run only on glioma patients "
        "and the new-lesion detection only on MS patients; a QA admin can record the disease "
        "(in the admin, or PATCH /api/patients/<pseudonym>/), then start the segmentation again."
    )
