"""The segmentation worker's tasks, and the one place that chooses the AI for a patient."""

from functools import partial

from django.db import transaction

from neuroreview.celery import background_task, gpu_task
from reviewer.cases.models import Disease
from reviewer.core import progress
from segmentation.models import InferenceJob, ModelVersion, Segmentation

# A Redis priority step below the default (0 is the highest): a job's later families of models
# wait behind every other job's first results.
LATER = 6


@gpu_task()
def segment(*, job_pk: int) -> str:
    """Segment a patient's exams (or one exam) with the AI for the patient's disease, one family
    of models per task: when another family has work left, the task queues itself again behind
    other jobs, so that a worker with eight patients queued gives each its first results before
    any its NODEs. Idempotent: each segmentation is written in its own transaction and skipped
    when it exists, so a job whose worker died resumes where it stopped when the broker hands
    it out again (acks late)."""
    job = InferenceJob.objects.get(pk=job_pk)
    outcome = progress.run_job(job, partial(run, one_family=True))
    job.refresh_from_db()
    if not job.is_finished:
        later = segment.signature(kwargs={"job_pk": job.pk}, priority=LATER)
        transaction.on_commit(later.apply_async)
        return outcome
    for segmentation in acc_curves_missing(job):
        transaction.on_commit(lambda pk=segmentation.pk: acc_curves.delay(segmentation_pk=pk))
    return outcome


@background_task()
def acc_curves(*, segmentation_pk: int) -> None:
    """The exam ACC curves of one NODE segmentation, after the masks: the flow explains a
    result, and nobody should wait for it to see the result. Idempotent."""
    from segmentation import inference

    inference.store_acc_curves(Segmentation.objects.get(pk=segmentation_pk))


def acc_curves_missing(job: InferenceJob):
    """The NODE segmentations of the job's exams that have no ACC curves yet."""
    exams = [job.exam_id] if job.exam_id else job.patient.exams.values("pk")
    return Segmentation.objects.filter(
        exam__in=exams,
        model_version__kind=ModelVersion.Kind.NODE,
        acc_curves__isnull=True,
    ).order_by("exam__order", "pk")


def run(job: InferenceJob, *, also_report=None, one_family: bool = False) -> None:
    """Glioma patients get the glioma models, MS patients the new-lesion detection; any other
    patient gets no AI, and the job fails saying why. ``also_report(done, total, message)``
    sees the progress too; ``one_family`` runs only the next family of glioma models."""
    # torch and SimpleITK are loaded where jobs run, not by every process that enqueues one.
    from segmentation import inference, new_lesions

    disease = job.patient.disease
    if disease == Disease.GLIOMA:
        inference.run(job, also_report=also_report, one_family=one_family)
    elif disease == Disease.MS:
        new_lesions.run(job, also_report=also_report)  # one pass: the detection
    elif not job.is_finished:
        progress.finish(job, status=InferenceJob.Status.FAILED, error=no_ai_reason(job.patient))


def no_ai_reason(patient) -> str:
    return (
        f"No AI was run: the disease of patient {patient} is "
        f"{patient.get_disease_display().lower()}. Glioma models run only on glioma patients "
        "and the new-lesion detection only on MS patients; a QA admin can record the disease "
        "(in the admin, or PATCH /api/patients/<pseudonym>/), then start the segmentation again."
    )
