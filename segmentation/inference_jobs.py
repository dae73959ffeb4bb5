"""Inference jobs: who may start one, and enqueueing it on the `gpu` queue after commit."""

from django.db import transaction

from reviewer.cases.models import Patient
from segmentation.models import InferenceJob


def create_inference_job(*, user, patient, exam=None) -> tuple[InferenceJob, bool]:
    """The patient's (or exam's) job that is queued or running, else a new one enqueued after
    commit; and whether it is new. One waiting job per patient and exam: repeated requests
    cannot fill the queue that imports and other patients wait in."""
    from segmentation.tasks import segment

    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one request at a time
        waiting = InferenceJob.objects.filter(
            patient=patient,
            exam=exam,
            status__in=[InferenceJob.Status.QUEUED, InferenceJob.Status.RUNNING],
        ).first()
        if waiting is not None:
            return waiting, False
        job = InferenceJob.objects.create(patient=patient, exam=exam, created_by=user)
        transaction.on_commit(segment.signature(kwargs={"job_pk": job.pk}).apply_async)
    return job, True
