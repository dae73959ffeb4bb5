"""The group of a case's alarm sockets (reviewer.alarms.consumers), and the push after its alarms
or their verdicts change (reviewer.core.live)."""

from reviewer.cases.models import Exam
from reviewer.core import live


def case_alarms_group(patient_id: int) -> str:
    return live.group("case-alarms", patient_id)


def announce_exam_alarms(exam_id: int) -> None:
    """Once the transaction commits, the sockets of the exam's patient read its alarms again."""
    patient_id = Exam.objects.filter(pk=exam_id).values_list("patient_id", flat=True).first()
    if patient_id is not None:
        live.announce_on_commit(case_alarms_group(patient_id))
