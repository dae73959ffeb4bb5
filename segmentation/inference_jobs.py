"""Inference jobs: who may start one, and enqueueing it on the `gpu` queue after commit."""

from django.conf import settings
from django.db import transaction

from reviewer.cases.blinding import exams_without_ai
from reviewer.cases.models import Patient
from segmentation.models import InferenceJob

WAITING = (InferenceJob.Status.QUEUED, InferenceJob.Status.RUNNING)


class QueueLimit(Exception):
    pass


def patients_to_segment(user):
    """The patients whose inference jobs the user may start and follow: those they may see, less
    those with an exam whose AI output they may not see now (reviewer.cases.blinding), since a
    job's outcome tells of the AI output it made."""
    return Patient.objects.visible_to(user).exclude(exams__in=exams_without_ai(user))


def create_inference_job(*, user, patient, exam=None) -> tuple[InferenceJob, bool]:
    """The patient's (or exam's) job that is queued or running, else a new one enqueued after
    commit; and whether it is new. One waiting job per patient and exam, and at most
    NEUROREVIEW_WAITING_JOBS_PER_USER waiting jobs per user (else QueueLimit): repeated requests
    cannot fill the queue that other readers wait in."""
    from segmentation.tasks import segment

    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one request at a time
        waiting = InferenceJob.objects.filter(status__in=WAITING)
        same = waiting.filter(patient=patient, exam=exam).first()
        if same is not None:
            return same, False
        limit = settings.NEUROREVIEW_WAITING_JOBS_PER_USER
        if waiting.filter(created_by=user).count() >= limit:
            raise QueueLimit(
                f"Your waiting segmentation jobs are at the limit of {limit} "
                "(NEUROREVIEW_WAITING_JOBS_PER_USER): start this one when some have finished."
            )
        job = InferenceJob.objects.create(patient=patient, exam=exam, created_by=user)
        transaction.on_commit(segment.signature(kwargs={"job_pk": job.pk}).apply_async)
    return job, True
