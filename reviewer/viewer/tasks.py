from neuroreview.celery import default_task
from reviewer.cases.models import Exam
from reviewer.viewer.registration import register_exams


@default_task()
def register_prior(*, moving_exam_pk: int, fixed_exam_pk: int) -> str:
    """Register a prior exam onto a later one for the viewer. Idempotent: a pair registered (or
    failed) on the current series is left as it is. Returns the registration's status."""
    moving = Exam.objects.get(pk=moving_exam_pk)
    fixed = Exam.objects.get(pk=fixed_exam_pk)
    return register_exams(moving, fixed).status
