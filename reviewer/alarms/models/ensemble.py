"""The ensemble's agreement rows, and the thresholds frozen from them over a named cohort."""

from django.conf import settings
from django.db import models

from reviewer.alarms.models.configuration import ENSEMBLE_METRICS
from segmentation.engine import discord
from segmentation.models import TargetChoices

MetricChoices = models.TextChoices("MetricChoices", [(m, m) for m in ENSEMBLE_METRICS])


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


class ThresholdSetQuerySet(models.QuerySet):
    def current(self) -> "ThresholdSet | None":
        """The latest frozen set: the thresholds ensemble alarms are scored against."""
        return self.order_by("-pk").first()


class ThresholdSet(models.Model):
    """Ensemble thresholds frozen over a named cohort of exams, so that a single incoming exam
    is scored against a fixed reference (R-ALM-02) rather than against whatever was segmented
    last. Append-only (migration 0006): a new cohort or a new α is a new set."""

    cohort = models.CharField(max_length=128, help_text="the name of the reference cohort")
    exam_ids = models.JSONField(default=list)  # the exams whose agreement rows were used
    scaled_mad = models.BooleanField(default=False)  # MAD × 1.4826 (a normal σ estimate)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ThresholdSetQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"thresholds {self.pk} over {self.cohort}"


class FrozenThreshold(models.Model):
    """τ = median − α·MAD of one candidate's metric on one target over the cohort, in the
    metric's units (median + α·MAD for a distance: an alarm is HD above it)."""

    threshold_set = models.ForeignKey(
        ThresholdSet, on_delete=models.PROTECT, related_name="thresholds"
    )
    target = models.CharField(max_length=8, choices=TargetChoices.choices)
    model_version = models.ForeignKey(
        "segmentation.ModelVersion", on_delete=models.PROTECT, related_name="+"
    )
    metric = models.CharField(max_length=16, choices=MetricChoices.choices)
    median = models.FloatField()
    mad = models.FloatField()
    alpha = models.FloatField()
    threshold = models.FloatField()
    cohort_size = models.PositiveIntegerField()  # finite values the statistics used

    class Meta:
        ordering = ["threshold_set", "target", "model_version", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["threshold_set", "target", "model_version", "metric"],
                name="alarms_frozenthreshold_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.metric} of {self.model_version_id}: {self.threshold:.4g}"

    def as_threshold(self) -> discord.Threshold:
        return discord.Threshold(
            candidate=str(self.model_version_id),
            metric=discord.AgreementMetric(self.metric),
            median=self.median,
            mad=self.mad,
            alpha=self.alpha,
            scaled=self.threshold_set.scaled_mad,
            cohort_size=self.cohort_size,
        )
