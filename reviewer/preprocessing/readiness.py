"""Whether models may use an exam's series: not while its preprocessing is queued, running,
failed or rejected by QA, nor when a sequence they need is flagged for a reason they cannot
work around. An exam with no run at all was built before preprocessing existed, or by code
that stores prepared series directly: its series stand as they are."""

from collections.abc import Collection

from reviewer.cases.models import Exam
from reviewer.preprocessing.models import PreprocessingRun
from reviewer.preprocessing.services import latest_run


def unusable(exam: Exam, *, sequences: Collection[str], flags: Collection[str]) -> str:
    """Why models that need ``sequences`` and cannot work with the ``flags`` (codes) must skip
    the exam; "" when they may segment it."""
    run = latest_run(exam)
    if run is None:
        return ""
    if not run.is_finished:
        return f"exam {exam.order} is still being preprocessed"
    if run.status == PreprocessingRun.Status.FAILED:
        return f"the preprocessing of exam {exam.order} failed ({run.error})"
    if run.rejected_at is not None:
        return f"QA rejected the preprocessing of exam {exam.order} ({run.rejection_reason})"
    reasons = [f["reason"] for f in run.flags if f["code"] in flags and f["sequence"] in sequences]
    return f"exam {exam.order}: {'; '.join(reasons)}" if reasons else ""
