"""Preparing cases for the viewer when their data arrives, so that a manifest only reads: every
volume's voxel file and summary (window), the lesion overlaps between the exams the viewer shows
together, and the registration of priors, queued for a worker. Imports call prepare_patients once
they have committed, and so does a preprocessing run that made an exam's series anew; a newly
segmented exam gets prepare_exam (reviewer.viewer.receivers). What
is prepared already is skipped, so preparing again costs little and queues nothing twice."""

import numpy as np
from django.db import transaction

from reviewer.cases.models import AcquiredSeries, Exam, Series
from reviewer.preprocessing.models import BrainMask
from reviewer.viewer.lesion_changes import ExamLesions, cache_lesion_overlaps, lesion_rows
from reviewer.viewer.manifest import MAX_PRIORS, shown_exams
from reviewer.viewer.registration import request_registration
from reviewer.viewer.tasks import register_prior
from reviewer.viewer.voxel_cache import prepare_volume
from segmentation.models import Segmentation


def prepare_patients(patients, progress=lambda done, total, message: None) -> int:
    """Prepare these patients' cases; returns how many volumes were looked at."""
    patients = list(patients)
    pks = [p.pk for p in patients]
    volumes = [
        *Series.objects.filter(exam__patient__in=pks).order_by("pk"),
        *AcquiredSeries.objects.filter(exam__patient__in=pks).order_by("pk"),
        *BrainMask.objects.filter(run__exam__patient__in=pks).order_by("pk"),
        *Segmentation.objects.current().filter(exam__patient__in=pks).order_by("pk"),
    ]
    steps = len(volumes) + len(patients)
    for done, volume in enumerate(volumes):
        progress(done, steps, f"preparing the viewer: {volume}")
        prepare_volume(volume)
    for done, patient in enumerate(patients, start=len(volumes)):
        progress(done, steps, f"preparing the viewer: lesions and priors of {patient}")
        views = [shown_exams(patient, exam.pk) for exam in patient.exams.order_by("-order")]
        for exams in views:
            _cache_lesion_overlaps(exams)
        queue_registrations(views)
    progress(steps, steps, f"prepared {len(volumes)} volumes for the viewer")
    return len(volumes)


def prepare_exam(exam: Exam) -> None:
    """A newly segmented exam: its segmentations' voxel files and summaries, and the overlaps of
    their lesions in every view that shows the exam (it as the current exam, or as a prior of a
    later one). Its series, and so its registrations, were prepared when they were imported."""
    for segmentation in exam.segmentations.all():
        prepare_volume(segmentation)
    showing = exam.patient.exams.filter(order__gte=exam.order).order_by("order")
    for current in showing[: MAX_PRIORS + 1]:
        _cache_lesion_overlaps(shown_exams(exam.patient, current.pk))


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


def _cache_lesion_overlaps(exams: list[Exam]) -> None:
    # Overlaps are only computed between exams on one grid: no registration matrix is needed.
    rows = lesion_rows(exams)
    cache_lesion_overlaps([ExamLesions.of(exam, np.eye(4), rows) for exam in exams])
