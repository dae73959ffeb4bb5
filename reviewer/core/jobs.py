from django.conf import settings
from django.db import models


class BackgroundJob(models.Model):
    """Work a Celery worker does for a user, with a status the browser follows live. Progress
    while running lives in the cache (reviewer.core.progress); the row holds the outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINAL = (Status.SUCCEEDED, Status.FAILED)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINAL

    def result_patients(self) -> list:
        """The patients to link to once the job has succeeded."""
        raise NotImplementedError
