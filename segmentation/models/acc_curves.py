from django.db import models


class AccCurves(models.Model):
    """The ACC curves μ_t^k (paper 000, eq. 6) of a NODE segmentation over all its slices:
    the mean and SD over slices per stage and sequence, NaN-free slices counted; beside them
    the means of the share of γ and of the background each sequence marks
    (segmentation.engine.flow), null on curves stored before those were computed."""

    segmentation = models.OneToOneField(
        "segmentation.Segmentation", on_delete=models.CASCADE, related_name="acc_curves"
    )
    stages = models.JSONField()  # t values
    acc_mean = models.JSONField()  # [stage][sequence]
    acc_sd = models.JSONField()
    slices = models.PositiveIntegerField()
    gamma_share = models.JSONField(null=True, blank=True)  # [stage][sequence] |η ∩ γ| / |γ|
    background_share = models.JSONField(null=True, blank=True)  # |η ∖ γ| / |¬γ|
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"ACC curves of {self.segmentation}"
