from django.db import models


class ModelVersion(models.Model):
    """Trained weights + configuration + hash + training-data manifest: what a model-made
    segmentation points to."""

    name = models.CharField(max_length=64)
    version = models.CharField(max_length=32)
    target = models.CharField(max_length=8, blank=True)  # ET, TC or WT
    weights = models.FileField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    configuration = models.JSONField(default=dict)
    training_manifest = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], name="segmentation_modelversion_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
