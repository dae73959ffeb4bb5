"""Alarms as readers see them: open alarms in the viewer's manifest, and a case's alarm state
(every open alarm with its latest verdict, one risk line per exam) on the case's alarm socket and
its HTTP twin. The risk score is reviewer.alarms.risk's."""

from django.db.models import Prefetch, QuerySet

from reviewer.alarms.models import Alarm, AlarmVerdict
from reviewer.alarms.risk import SEVERITY, exam_line, patient_risk_score
from reviewer.alarms.serializers import AlarmSerializer
from reviewer.cases.blinding import exams_without_ai
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


def open_alarms(exams: list[Exam], user) -> list[dict]:
    """Open alarms of these exams that the user may see now, newest first."""
    alarms = Alarm.objects.open().shown_to(user).filter(exam__in=exams)
    return [alarm_json(a) for a in alarms.order_by("-raised_at", "-pk")]


def with_verdicts(alarms: QuerySet) -> QuerySet:
    """Alarms with their latest verdict prefetched (as ``latest_verdicts``, a list of 0 or 1)."""
    latest = AlarmVerdict.objects.current().select_related("reader")
    return alarms.select_related("exam__patient", "rule_configuration").prefetch_related(
        Prefetch("verdicts", queryset=latest, to_attr="latest_verdicts")
    )


def case_alarm_state(patient: Patient, user) -> dict:
    """Every open alarm of the patient (the worst first, then the newest) and one line per exam
    (newest first); ``risk_score`` maps the ids (as strings, as JSON objects need) of the exams
    at risk to their score. Of the exams whose AI output the user may not see now
    (reviewer.cases.blinding), neither alarms nor lines, as if they had none."""
    shown = patient.exams.exclude(pk__in=exams_without_ai(user))
    exams = list(shown.order_by("-order").values_list("pk", flat=True))
    alarms = list(with_verdicts(Alarm.objects.open().filter(exam_id__in=exams)))
    alarms.sort(key=lambda alarm: (-SEVERITY[alarm.kind], -alarm.raised_at.timestamp(), -alarm.pk))
    judged_false = {
        alarm.pk
        for alarm in alarms
        if alarm.latest_verdicts and not alarm.latest_verdicts[0].true_alarm
    }
    lines = [
        exam_line(exam, (a for a in alarms if a.exam_id == exam), judged_false) for exam in exams
    ]
    return {
        "alarms": AlarmSerializer(alarms, many=True).data,
        "risk_score": {
            str(line["exam"]): line["risk_score"] for line in lines if line["risk_score"]
        },
        "exams": lines,
        "patient_risk_score": patient_risk_score(lines),
    }
