"""Model versions: what a model-made segmentation points to."""

from django.db import models

from reviewer.cases.models import Disease
from segmentation.models.choices import TargetChoices


class ModelVersionQuerySet(models.QuerySet):
    def deployed(self) -> "ModelVersionQuerySet":
        """The live versions, the ones inference runs with: one per lineage at most (the
        database's rule); they go live only through reviewer.validation's gate."""
        return self.filter(deployed_at__isnull=False)

    def lineage(self, version: "ModelVersion") -> "ModelVersionQuerySet":
        """The versions that replace one another: same kind (family), target and disease."""
        return self.filter(kind=version.kind, target=version.target, disease=version.disease)


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
    deployed_at = models.DateTimeField(null=True, blank=True)  # live since; null when not live
    # Versions of a lineage whose volumes compare (EASE R-A9.4): set when the version first
    # goes live, a new number when its validation found a volume change over 25 %.
    compatibility_group = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], name="segmentation_modelversion_unique_version"
            ),
            models.UniqueConstraint(fields=["sha256"], name="segmentation_modelversion_unique_sha"),
            models.UniqueConstraint(
                fields=["kind", "target", "disease"],
                condition=models.Q(deployed_at__isnull=False),
                name="segmentation_modelversion_one_live_per_lineage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
