"""Alarms, and the verdicts readers give them."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from reviewer.cases.blinding import exams_without_ai


class AlarmQuerySet(models.QuerySet):
    def open(self) -> "AlarmQuerySet":
        """Alarms not cleared: what the viewer shows."""
        return self.filter(cleared_at__isnull=True)

    def counting(self) -> "AlarmQuerySet":
        """Open alarms that no reader has judged false: what the risk score counts."""
        judged_false = AlarmVerdict.objects.current().filter(alarm=OuterRef("pk"), true_alarm=False)
        return self.open().exclude(Exists(judged_false))

    def shown_to(self, user) -> "AlarmQuerySet":
        """Without the alarms of the exams whose AI output the user may not see now
        (reviewer.cases.blinding: a reader study's unaided reading); every alarm is AI output,
        or computed from it."""
        return self.exclude(exam__in=exams_without_ai(user))


class Alarm(models.Model):
    """A flag raised on an exam (and optionally one of its segmentations), with its kind, a
    human-readable reason and machine-readable evidence, including the parameters it was
    computed with. Cleared alarms (whose finding no longer holds) stay, with the time.

    `key` names the finding (kind, segmentation, what it was compared with), so that evaluating
    an exam again leaves an alarm that still holds as it is, verdicts included."""

    class Kind(models.TextChoices):
        GROWTH = "growth", "Growth"
        NEW_LESION = "new_lesion", "New lesion"
        HAEMORRHAGE_EXPANSION = "haemorrhage_expansion", "Haemorrhage expansion"
        UNRELIABLE = "unreliable", "Unreliable output"
        MANY_COMPONENTS = "many_components", "Many components"

    exam = models.ForeignKey("cases.Exam", on_delete=models.PROTECT, related_name="alarms")
    segmentation = models.ForeignKey(
        "segmentation.Segmentation", null=True, blank=True, on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=200, blank=True, default="")
    reason = models.TextField()
    evidence = models.JSONField(default=dict)
    # what it was computed with: the clinical rules' version, or the ensemble's frozen thresholds
    rule_configuration = models.ForeignKey(
        "alarms.RuleConfiguration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alarms",
    )
    threshold_set = models.ForeignKey(
        "alarms.ThresholdSet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alarms",
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    objects = AlarmQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "key"],
                condition=Q(cleared_at__isnull=True) & ~Q(key=""),
                name="alarms_alarm_one_open_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.exam}"


class AlarmVerdictQuerySet(models.QuerySet):
    def current(self) -> "AlarmVerdictQuerySet":
        """Each alarm's latest verdict: the one nothing supersedes."""
        return self.filter(superseded_by__isnull=True)


class AlarmVerdict(models.Model):
    """A reader's judgement of an alarm: a true or a false alarm. Append-only (triggers in
    migration 0006): a change of mind is a new verdict that supersedes the latest one. Each alarm
    has one chain of verdicts (one first verdict, each superseded at most once), so a form based
    on a verdict someone has meanwhile superseded, or a first verdict given after another, is
    refused. The verdicts are what a QA admin tunes the rules' thresholds and α against."""

    alarm = models.ForeignKey(Alarm, on_delete=models.PROTECT, related_name="verdicts")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alarm_verdicts"
    )
    true_alarm = models.BooleanField()
    comment = models.TextField(blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AlarmVerdictQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["supersedes"], name="alarms_alarmverdict_supersedes_once"
            ),
            models.UniqueConstraint(
                fields=["alarm"],
                condition=Q(supersedes__isnull=True),
                name="alarms_alarmverdict_one_first_verdict",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{'true' if self.true_alarm else 'false'} alarm verdict {self.pk} on {self.alarm_id}"
        )
