"""Validation runs of a model version on a dataset version, their cases, and the deployment
record. A run's cases are facts written once by the job (what the candidate made, whether it
differs from the live version's map, both volumes); the gate's decision is computed from them
and from the grades given since (reviewer.validation.gate), and frozen into the deployment
that used it. Deployments are append-only, and a model version goes live only with one
(database triggers, migration 0002)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviewer.core.jobs import BackgroundJob


class ValidationRun(BackgroundJob):
    """A model version (the candidate) applied to every case of a dataset version and compared
    case by case with the live version of its lineage (the baseline) at the time of the run.
    Runs on the `gpu` queue."""

    model_version = models.ForeignKey(
        "segmentation.ModelVersion", on_delete=models.PROTECT, related_name="validation_runs"
    )
    dataset_version = models.ForeignKey(
        "datasets.DatasetVersion", on_delete=models.PROTECT, related_name="validation_runs"
    )
    # the live version of the candidate's lineage when the run was asked for (none: the first)
    baseline = models.ForeignKey(
        "segmentation.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    device = models.CharField(max_length=128, blank=True)

    class Meta(BackgroundJob.Meta):
        pass

    def __str__(self) -> str:
        return f"validation {self.pk} of {self.model_version} on {self.dataset_version}"

    def result_patients(self) -> list:
        return []


class ValidationCase(models.Model):
    """One case of a run: the candidate's map of the case's exam and the baseline's, whether
    they are voxel-identical, and the volume of each in mL."""

    run = models.ForeignKey(ValidationRun, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey("datasets.DatasetCase", on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(
        "segmentation.Segmentation", on_delete=models.PROTECT, related_name="+"
    )
    baseline = models.ForeignKey(
        "segmentation.Segmentation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identical = models.BooleanField()
    candidate_ml = models.FloatField()
    baseline_ml = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["run", "case__key"]
        constraints = [
            models.UniqueConstraint(fields=["run", "case"], name="validation_case_once_per_run"),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True, identical=False, baseline_ml__isnull=True)
                | Q(baseline__isnull=False, baseline_ml__isnull=False),
                name="validation_case_baseline_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.key} in {self.run}"


class Deployment(models.Model):
    """Who made which model version live (or took it back), when, why, and on what evidence:
    the gate's decision as it stood, frozen. Append-only."""

    class Action(models.TextChoices):
        # the first version of a lineage, live without a baseline to compare with
        INSTALL = "install", "Install"
        DEPLOY = "deploy", "Deployment through the gate"
        ROLLBACK = "rollback", "Rollback"

    model_version = models.ForeignKey(
        "segmentation.ModelVersion", on_delete=models.PROTECT, related_name="deployments"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    run = models.ForeignKey(
        ValidationRun, null=True, blank=True, on_delete=models.PROTECT, related_name="deployments"
    )
    # the version that stopped being live by this deployment
    replaced = models.ForeignKey(
        "segmentation.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    compatibility_group = models.PositiveSmallIntegerField()
    decision = models.JSONField(default=dict)  # the gate's decision when it was used
    # the ensemble thresholds frozen over the reference dataset as the version went live, or
    # why none could be (thresholds_note)
    threshold_set = models.ForeignKey(
        "alarms.ThresholdSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    thresholds_note = models.TextField(blank=True)
    reason = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="validation_deployment_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(action="deploy", run__isnull=False) | ~Q(action="deploy"),
                name="validation_deployment_deploy_has_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.model_version}, {self.created_at:%Y-%m-%d %H:%M}"


class Evaluation(models.Model):
    """The four-axis evaluation of a run's candidate on its dataset version (reviewer.validation
    .evaluation), computed by the worker once every case is segmented: performance per case and
    stratum, calibration, data quality. Written once."""

    run = models.OneToOneField(ValidationRun, on_delete=models.CASCADE, related_name="evaluation")
    results = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"evaluation of {self.run}"


class RobustnessSweep(BackgroundJob):
    """The FGSM ε sweep of a run's candidate on its cases (reviewer.validation.robustness), on
    the `gpu` queue; on a CPU when the worker has no GPU. Its results are written once, when it
    succeeds."""

    run = models.OneToOneField(ValidationRun, on_delete=models.CASCADE, related_name="robustness")
    device = models.CharField(max_length=128, blank=True)
    results = models.JSONField(null=True, blank=True)

    class Meta(BackgroundJob.Meta):
        pass

    def __str__(self) -> str:
        return f"robustness sweep of {self.run}"

    def result_patients(self) -> list:
        return []
