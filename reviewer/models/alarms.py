from django.db import models


class Alarm(models.Model):
    """A flag raised on an exam (and optionally one of its segmentations), with its kind, a
    human-readable reason and machine-readable evidence. Cleared alarms stay, with the time."""

    class Kind(models.TextChoices):
        GROWTH = "growth", "Growth"
        NEW_LESION = "new_lesion", "New lesion"
        UNRELIABLE = "unreliable", "Unreliable output"
        HAEMORRHAGE_EXPANSION = "haemorrhage_expansion", "Haemorrhage expansion"

    exam = models.ForeignKey("reviewer.Exam", on_delete=models.PROTECT, related_name="alarms")
    segmentation = models.ForeignKey(
        "reviewer.Segmentation", null=True, blank=True, on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    reason = models.TextField()
    evidence = models.JSONField(default=dict)
    raised_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.exam}"
