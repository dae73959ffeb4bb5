"""Model versions: what a model-made segmentation points to."""

from django.db import models

from reviewer.cases.models import Disease
from segmentation.models.choices import TargetChoices


class ModelVersionQuerySet(models.QuerySet):
    def deployed(self) -> "ModelVersionQuerySet":
        """The versions inference runs with (the QA gate will decide deployment, with audit)."""
        return self.filter(deployed_at__isnull=False)


class ModelVersion(models.Model):
    """Trained weights + configuration + hash + training-data manifest: what a model-made
    segmentation points to. Registered from an artifact folder (see
    segmentation.engine.artifacts)."""

    class Kind(models.TextChoices):
        NODE = "node", "Neural ODE"
        UNET = "unet", "U-Net"
        # the MS CAD pipeline: registration to the prior, normalisation, subtraction, FP rule
        SUBTRACTION = "subtraction", "New-lesion detection by subtraction"

    name = models.CharField(max_length=64)
    version = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NODE)
    target = models.CharField(max_length=8, blank=True, choices=TargetChoices.choices)
    sequences = models.JSONField(default=list)  # input sequences, in channel order
    preset = models.CharField(max_length=16, blank=True)
    # the disease whose exams it runs on: glioma models never see an MS patient
    disease = models.CharField(max_length=16, choices=Disease.choices, default=Disease.GLIOMA)
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
