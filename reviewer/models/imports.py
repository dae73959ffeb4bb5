from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """An uploaded BraTS folder or DICOM zip, imported by a worker. Progress is written here so
    any process (the WebSocket consumer, the API) can report it."""

    class Kind(models.TextChoices):
        BRATS = "brats", "BraTS folder (zip)"
        DICOM = "dicom", "DICOM files (zip)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINAL = (Status.SUCCEEDED, Status.FAILED)

    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    upload = models.CharField(max_length=255)  # path of the uploaded zip under the upload dir
    upload_name = models.CharField(max_length=255)
    options = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    patients = models.ManyToManyField("reviewer.Patient", blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.upload_name})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINAL
