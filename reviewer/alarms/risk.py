"""The risk of an exam and of a patient: what the worklist sorts by and what the viewer's alarm
header shows, one line per exam with the kinds worst first.

Severity of a kind, worst first:

    4  haemorrhage expansion   an expanding bleed calls for action now
    3  growth, new activity    a change of disease that a reader confirms or refutes
    2  unreliable output       the AI result itself may be wrong (ensemble discord)
    1  many components         possible false positives, mostly specks

risk score = 100 × the worst severity + the number of counting alarms (at most 99), or 0 when
there is none. Counting alarms are the open ones that no reader has judged false
(Alarm.objects.counting()): a "false alarm" verdict takes an alarm out of the risk, a "true
alarm" keeps it in. So one growth alarm (301) ranks above forty unreliable-output alarms (240),
and among exams whose worst alarm is equally severe, more alarms rank higher. A patient's risk
score is the same formula over the counting alarms of all their exams. (The ensemble paper
scores an image by its number of alarms, L5490–L5491; a count alone ranked ten discord flags of
one segmentation above a growing tumour.)

The worklist sorts by an annotation:

    with_risk(Patient.objects.visible_to(user), user).order_by("-risk_score", "pseudonym")

`with_risk` takes a Patient or an Exam queryset and adds `risk_score` as one correlated subquery,
so it multiplies no row of the other annotations (with_worklist_columns' counts). It counts only
the alarms the user may see now (Alarm.objects.shown_to): a patient in a reader study that the
user still reads unaided scores 0, and the worklist's order tells nothing of their alarms.
"""

from collections import Counter
from collections.abc import Iterable

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least

from reviewer.alarms.models import Alarm
from reviewer.cases.models import Exam, Patient

Kind = Alarm.Kind
SEVERITY = {
    Kind.HAEMORRHAGE_EXPANSION: 4,
    Kind.GROWTH: 3,
    Kind.NEW_LESION: 3,
    Kind.UNRELIABLE: 2,
    Kind.MANY_COMPONENTS: 1,
}
COUNT_CAP = 99
_KIND_ORDER = {kind: rank for rank, kind in enumerate(Kind)}
_OUTER = {Patient: "exam__patient", Exam: "exam"}


class _ScoreOrZero(Coalesce):
    """The score's subquery, or 0. It is correlated on the outer row's primary key only, so a
    grouped query (the worklist's counts) need not group by it; grouping by it made PostgreSQL
    compute it once per joined row."""

    def get_group_by_cols(self):
        return []


def risk_score(worst_severity: int, count: int) -> int:
    return 100 * worst_severity + min(count, COUNT_CAP) if count else 0


def with_risk(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` (of patients or exams) with ``risk_score`` annotated, as ``user`` may see it."""
    outer = _OUTER[queryset.model]
    severity = Case(
        *(When(kind=kind, then=Value(level)) for kind, level in SEVERITY.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    scores = (
        Alarm.objects.counting()
        .shown_to(user)
        .filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(score=Max(severity) * 100 + Least(Count("pk"), Value(COUNT_CAP)))
        .values("score")
    )
    return queryset.annotate(
        risk_score=_ScoreOrZero(Subquery(scores, output_field=IntegerField()), Value(0))
    )


def exam_line(exam_id: int, alarms: Iterable[Alarm], judged_false: set[int]) -> dict:
    """One exam's line of the alarm header, from its open alarms (``judged_false``: the ids of
    those whose latest verdict is "false alarm")."""
    alarms = list(alarms)
    counting = [alarm for alarm in alarms if alarm.pk not in judged_false]
    counts = Counter(Kind(alarm.kind) for alarm in counting)
    kinds = sorted(counts, key=lambda kind: (-SEVERITY[kind], -counts[kind], _KIND_ORDER[kind]))
    worst = SEVERITY[kinds[0]] if kinds else 0
    return {
        "exam": exam_id,
        "risk_score": risk_score(worst, len(counting)),
        "severity": worst,
        "open": len(alarms),
        "dismissed": len(alarms) - len(counting),
        "kinds": [
            {
                "kind": kind.value,
                "label": kind.label,
                "severity": SEVERITY[kind],
                "count": counts[kind],
            }
            for kind in kinds
        ],
        "summary": " · ".join(
            kind.label + (f" ×{counts[kind]}" if counts[kind] > 1 else "") for kind in kinds
        ),
    }


def patient_risk_score(lines: Iterable[dict]) -> int:
    """The patient's risk score from their exams' lines: the same formula over every exam."""
    lines = list(lines)
    worst = max((line["severity"] for line in lines), default=0)
    return risk_score(worst, sum(line["open"] - line["dismissed"] for line in lines))
