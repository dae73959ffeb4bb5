"""Raising and clearing alarms: an exam's open alarms of some kinds are brought in line with the
findings of one evaluation. A finding that an open alarm already stands for (same key) leaves it
as it is, with its verdicts and the parameters it was first computed with; an open alarm whose
finding is gone is cleared (kept, with the time); a new finding raises a new alarm."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from reviewer.alarms.live import announce_exam_alarms
from reviewer.alarms.models import Alarm, RuleConfiguration, ThresholdSet
from reviewer.cases.models import Exam


@dataclass(frozen=True)
class Finding:
    """What an evaluation found on an exam: an alarm to raise unless it stands already."""

    kind: str
    key: str  # names the finding: kind, segmentation and what it was compared with
    segmentation_id: int | None
    reason: str
    evidence: dict


@transaction.atomic
def sync_alarms(
    exam_id: int,
    findings: list[Finding],
    *,
    kinds: list[str],
    key_prefix: str = "",
    rule_configuration: RuleConfiguration | None = None,
    threshold_set: ThresholdSet | None = None,
) -> None:
    """Bring the exam's open alarms of ``kinds`` (whose key starts with ``key_prefix``) in line
    with ``findings``. Evaluations of one exam are serialised on its row."""
    list(Exam.objects.select_for_update().filter(pk=exam_id).values_list("pk"))
    wanted = {finding.key: finding for finding in findings}
    standing = Alarm.objects.open().filter(
        exam_id=exam_id, kind__in=kinds, key__startswith=key_prefix
    )
    gone = [alarm.pk for alarm in standing if wanted.pop(alarm.key, None) is None]
    Alarm.objects.filter(pk__in=gone).update(cleared_at=timezone.now())
    stored_rules = rule_configuration if rule_configuration and rule_configuration.pk else None
    Alarm.objects.bulk_create(
        Alarm(
            exam_id=exam_id,
            segmentation_id=finding.segmentation_id,
            kind=finding.kind,
            key=finding.key,
            reason=finding.reason,
            evidence=finding.evidence,
            rule_configuration=stored_rules,  # the built-in defaults (unsaved) are in evidence
            threshold_set=threshold_set,
        )
        for finding in wanted.values()
    )
    if gone or wanted:
        announce_exam_alarms(exam_id)
