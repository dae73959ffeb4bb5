from django.db import models

from segmentation.models import TargetChoices


class AlarmQuerySet(models.QuerySet):
    def open(self) -> "AlarmQuerySet":
        """Alarms not cleared: what the viewer shows and the risk score counts."""
        return self.filter(cleared_at__isnull=True)


class Alarm(models.Model):
    """A flag raised on an exam (and optionally one of its segmentations), with its kind, a
    human-readable reason and machine-readable evidence. Cleared alarms stay, with the time."""

    class Kind(models.TextChoices):
        GROWTH = "growth", "Growth"
        NEW_LESION = "new_lesion", "New lesion"
        UNRELIABLE = "unreliable", "Unreliable output"
        HAEMORRHAGE_EXPANSION = "haemorrhage_expansion", "Haemorrhage expansion"

    exam = models.ForeignKey("cases.Exam", on_delete=models.PROTECT, related_name="alarms")
    segmentation = models.ForeignKey(
        "segmentation.Segmentation", null=True, blank=True, on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    reason = models.TextField()
    evidence = models.JSONField(default=dict)
    raised_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    objects = AlarmQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.exam}"


class EnsembleAgreement(models.Model):
    """How far one candidate segmentation is from the ensemble's majority vote on one exam and
    target: the cohort of these rows sets the alarm thresholds (median − α·MAD)."""

    exam = models.ForeignKey("cases.Exam", on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=8, choices=TargetChoices.choices)
    model_version = models.ForeignKey("segmentation.ModelVersion", on_delete=models.PROTECT)
    dice = models.FloatField(null=True)
    hausdorff_mm = models.FloatField(null=True)  # may be inf: stored as NULL, which alarms

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "target", "model_version"],
                name="alarms_ensembleagreement_unique_candidate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_version} vs fusion on {self.exam} ({self.target})"
