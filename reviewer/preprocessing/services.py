"""Preprocessing runs of an exam: queued after its import (the worker's part is runs.py),
rejected by a QA admin, and recorded as done for a BraTS folder's exam, which comes prepared:
every step skipped, and why."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imaging.preprocessing.pipeline import Parameters, sequence_flags
from imaging.sequences import Sequence
from reviewer.cases.models import Exam
from reviewer.preprocessing.models import PreprocessingRun
from reviewer.preprocessing.tasks import preprocess_exam

PREPARED_STEPS = ("coregistration", "brain_extraction", "bias_correction")


class RunRefused(ValueError):
    """A run that may not be started or rejected, with the reason for the person who asked."""


def record_prepared(exam: Exam, source: str) -> PreprocessingRun:
    """The run of an exam whose series came prepared (a BraTS folder): no step is done."""
    thickness = {Sequence(s.sequence): max(s.spacing) for s in exam.series.all()}
    return PreprocessingRun.objects.create(
        exam=exam,
        status=PreprocessingRun.Status.SUCCEEDED,
        progress=100,
        message=f"Prepared already ({source})",
        steps=[{"step": s, "skipped": f"prepared already ({source})"} for s in PREPARED_STEPS],
        flags=sequence_flags(thickness),
        finished_at=timezone.now(),
    )


def queue(exam: Exam, *, user=None, parameters: Parameters | None = None) -> PreprocessingRun:
    """A new run of the exam, enqueued once committed. Refused while a run of it is queued or
    running, and once a segmentation lies on the series a new run would replace (a model's, a
    reader's, or a reference label, which a sealed reference dataset version may hash)."""
    latest = latest_run(exam)
    if latest is not None and not latest.is_finished:
        raise RunRefused(f"run {latest.pk} of exam {exam.order} is still {latest.status}")
    if not exam.acquired_series.exists():
        raise RunRefused(f"exam {exam.order} came prepared: it has no acquired series to process")
    if exam.segmentations.filter(model_version__isnull=False).exists():
        raise RunRefused(
            f"models have segmented exam {exam.order}: its series stay as they are, so that "
            "their results keep the grid they were made on"
        )
    if exam.segmentations.exists():
        raise RunRefused(
            f"exam {exam.order} has a label map on its series' grid (a reference or a "
            "reader's): its series stay as they are"
        )
    run = PreprocessingRun.objects.create(
        exam=exam,
        parameters=(parameters or default_parameters()).as_json(),
        created_by=user,
    )
    transaction.on_commit(preprocess_exam.signature(kwargs={"run_pk": run.pk}).apply_async)
    return run


def default_parameters() -> Parameters:
    """BraTS's 1 mm grid unless the deployment's models were trained on another."""
    return Parameters(spacing_mm=settings.NEUROREVIEW_PREPARED_SPACING_MM)


def latest_run(exam: Exam) -> PreprocessingRun | None:
    return exam.preprocessing_runs.order_by("-pk").first()


def reject(run: PreprocessingRun, *, user, reason: str) -> PreprocessingRun:
    """A QA admin's rejection of a run's result (a bad brain mask, say): the models skip the
    exam until a new run has replaced it. Only the exam's latest finished run can be rejected,
    once."""
    latest = latest_run(run.exam)
    if latest.pk != run.pk or not latest.is_finished:
        raise RunRefused(f"run {run.pk} is not the finished latest run of exam {run.exam.order}")
    if latest.rejected_at is not None:
        raise RunRefused(f"run {run.pk} was rejected already")
    PreprocessingRun.objects.filter(pk=run.pk).update(
        rejected_by=user, rejected_at=timezone.now(), rejection_reason=reason[:500]
    )
    run.refresh_from_db()
    return run
