"""Inference jobs: who may start one, and enqueueing it on the `gpu` queue after commit."""

from django.db import transaction

from segmentation.models import InferenceJob


def create_inference_job(*, user, patient, exam=None) -> InferenceJob:
    from segmentation.tasks import segment

    job = InferenceJob.objects.create(patient=patient, exam=exam, created_by=user)
    transaction.on_commit(segment.signature(kwargs={"job_pk": job.pk}).apply_async)
    return job
