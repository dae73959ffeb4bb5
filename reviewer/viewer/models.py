from django.db import models


class Registration(models.Model):
    """The rigid transform that puts a prior exam (moving) into the space of a later exam
    (fixed), computed by a worker. `matrix` is 4x4 in LPS world millimetres and maps a point of
    the moving exam's world to the fixed exam's world. The sha256 of the two series it was
    computed on make a re-imported series invalidate it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        REGISTERED = "registered", "Registered"
        FAILED = "failed", "Failed"

    FINAL = (Status.REGISTERED, Status.FAILED)

    moving = models.ForeignKey(
        "cases.Exam", on_delete=models.CASCADE, related_name="registrations_as_moving"
    )
    fixed = models.ForeignKey(
        "cases.Exam", on_delete=models.CASCADE, related_name="registrations_as_fixed"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    matrix = models.JSONField(null=True, blank=True)
    method = models.CharField(max_length=255, blank=True)
    metric = models.FloatField(null=True, blank=True)  # final Mattes MI (lower is better)
    error = models.TextField(blank=True)
    moving_series_sha256 = models.CharField(max_length=64)
    fixed_series_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["fixed", "moving"]
        constraints = [
            models.UniqueConstraint(
                fields=["moving", "fixed"], name="viewer_registration_unique_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(moving=models.F("fixed")),
                name="viewer_registration_distinct_exams",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.moving} → {self.fixed} ({self.status})"
