"""Preparing cases for the viewer ahead of the first look: every volume's voxel file and window
(reviewer.viewer.voxel_cache), the lesion matches between exams (the manifest of the latest exam,
built once) and the registration of priors, queued for a worker. Imports call it once they have
committed; what is cached already is skipped, and a prior is queued once per pair of series."""

from django.db import transaction

from reviewer.cases.models import Exam, Series
from reviewer.viewer.manifest import shown_exams, viewer_manifest
from reviewer.viewer.registration import request_registration
from reviewer.viewer.tasks import register_prior
from reviewer.viewer.voxel_cache import volume_summary, voxel_file
from segmentation.models import Segmentation


def prepare_patients(patients, progress=lambda done, total, message: None) -> int:
    """Prepare these patients' cases; returns how many volumes were looked at."""
    patients = list(patients)
    pks = [p.pk for p in patients]
    volumes = [
        *Series.objects.filter(exam__patient__in=pks).order_by("pk"),
        *Segmentation.objects.filter(exam__patient__in=pks).order_by("pk"),
    ]
    steps = len(volumes) + len(patients)
    for done, volume in enumerate(volumes):
        progress(done, steps, f"preparing the viewer: {volume}")
        voxel_file(volume)
        volume_summary(volume)
    for done, patient in enumerate(patients, start=len(volumes)):
        progress(done, steps, f"preparing the viewer: lesions and priors of {patient}")
        views = [shown_exams(patient, exam.pk) for exam in patient.exams.order_by("-order")]
        if views:
            viewer_manifest(patient)
        queue_registrations(views)
    progress(steps, steps, f"prepared {len(volumes)} volumes for the viewer")
    return len(volumes)


def queue_registrations(views: list[list[Exam]]) -> int:
    """Queue a worker's registration of each prior onto the current exam of its view (as
    shown_exams gives them: the current exam first), where one is needed and not yet requested
    on these series: once per pair, again after a series is re-imported. Returns how many."""
    queued = 0
    for current, *priors in views:
        for prior in priors:
            if request_registration(prior, current):
                transaction.on_commit(
                    register_prior.signature(
                        kwargs={"moving_exam_pk": prior.pk, "fixed_exam_pk": current.pk}
                    ).apply_async
                )
                queued += 1
    return queued
