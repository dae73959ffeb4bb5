from django.db import models

from reviewer.models.jobs import BackgroundJob


class ModelVersionQuerySet(models.QuerySet):
    def deployed(self) -> "ModelVersionQuerySet":
        """The versions inference runs with (the QA gate will decide deployment, with audit)."""
        return self.filter(deployed_at__isnull=False)


class ModelVersion(models.Model):
    """Trained weights + configuration + hash + training-data manifest: what a model-made
    segmentation points to. Registered from an artifact folder (see segmentation.artifacts)."""

    class Kind(models.TextChoices):
        NODE = "node", "Neural ODE"
        UNET = "unet", "U-Net"

    name = models.CharField(max_length=64)
    version = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NODE)
    target = models.CharField(max_length=8, blank=True)  # ET, TC or WT
    sequences = models.JSONField(default=list)  # input sequences, in channel order
    preset = models.CharField(max_length=16, blank=True)
    weights = models.FileField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    configuration = models.JSONField(default=dict)
    training_manifest = models.JSONField(default=dict)
    validation_metrics = models.JSONField(default=dict)
    deployed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], name="segmentation_modelversion_unique_version"
            ),
            models.UniqueConstraint(fields=["sha256"], name="segmentation_modelversion_unique_sha"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class InferenceJob(BackgroundJob):
    """Segmenting the exams of one patient (or one exam) with the deployed model versions, then
    computing ACC curves and ensemble alarms. Runs on the `gpu` queue."""

    patient = models.ForeignKey("reviewer.Patient", on_delete=models.PROTECT, related_name="+")
    exam = models.ForeignKey(
        "reviewer.Exam", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.CharField(max_length=128, blank=True)

    class Meta(BackgroundJob.Meta):
        pass

    def __str__(self) -> str:
        return f"inference {self.pk} on {self.exam or self.patient}"

    def result_patients(self) -> list:
        return [self.patient]


class ExamFlow(models.Model):
    """The ACC curves μ_t^k (paper 000, eq. 6) of a NODE segmentation over all its slices:
    the mean and SD over slices per stage and sequence, NaN-free slices counted."""

    segmentation = models.OneToOneField(
        "reviewer.Segmentation", on_delete=models.CASCADE, related_name="flow"
    )
    stages = models.JSONField()  # t values
    acc_mean = models.JSONField()  # [stage][sequence]
    acc_sd = models.JSONField()
    slices = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"flow of {self.segmentation}"


class EnsembleAgreement(models.Model):
    """How far one candidate segmentation is from the ensemble's majority vote on one exam and
    target: the cohort of these rows sets the alarm thresholds (median − α·MAD)."""

    exam = models.ForeignKey("reviewer.Exam", on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=8)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT)
    dice = models.FloatField(null=True)
    hausdorff_mm = models.FloatField(null=True)  # may be inf: stored as NULL, which alarms

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "target", "model_version"],
                name="segmentation_ensembleagreement_unique_candidate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_version} vs fusion on {self.exam} ({self.target})"
