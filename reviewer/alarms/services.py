"""Open alarms as the viewer shows them, in the manifest and on the case's alarm socket.

The risk score of an exam is its number of open alarms (the ensemble-discord paper's score: one
point per flag raised); the worklist sorts patients by the same count."""

from collections import Counter

from reviewer.alarms.models import Alarm
from reviewer.cases.models import Exam, Patient


def alarm_json(alarm: Alarm) -> dict:
    return {
        "id": alarm.pk,
        "exam": alarm.exam_id,
        "segmentation": alarm.segmentation_id,
        "kind": alarm.kind,
        "kind_display": alarm.get_kind_display(),
        "reason": alarm.reason,
        "evidence": alarm.evidence,
        "raised_at": alarm.raised_at.isoformat(),
    }


def open_alarms(exams: list[Exam]) -> list[dict]:
    """Open alarms of these exams, newest first."""
    alarms = Alarm.objects.open().filter(exam__in=exams).order_by("-raised_at", "-pk")
    return [alarm_json(a) for a in alarms]


def case_alarm_state(patient: Patient) -> dict:
    """What the alarm socket sends: every open alarm of the patient and the risk score per exam
    (keys are exam ids as strings, as JSON objects need)."""
    alarms = open_alarms(list(patient.exams.all()))
    scores = Counter(str(a["exam"]) for a in alarms)
    return {"alarms": alarms, "risk_score": dict(sorted(scores.items()))}
