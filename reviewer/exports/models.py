"""What the data steward has released for research export (issue 17 §4: "What a researcher may
export is released per patient or dataset by the steward").

A release names one subject, a patient or a sealed reference dataset version (its cases'
patients), and one researcher or all researchers. Rows are append-only (migration 0001's
triggers): a revocation is a new row, and for a researcher the newest row about a subject that
names them or all researchers decides (reviewer.exports.releases).

An export job is a bundle made in the background for one user, downloaded by them alone."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviewer.core.jobs import BackgroundJob


class ExportRelease(models.Model):
    class Action(models.TextChoices):
        RELEASE = "release", "Released"
        REVOKE = "revoke", "Revoked"

    action = models.CharField(max_length=8, choices=Action.choices)
    patient = models.ForeignKey(
        "cases.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dataset_version = models.ForeignKey(
        "datasets.DatasetVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # null: every researcher
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="export_releases",
    )
    note = models.TextField(blank=True)  # why: the approval, the ethics vote, the withdrawal
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(patient__isnull=False, dataset_version__isnull=True)
                | Q(patient__isnull=True, dataset_version__isnull=False),
                name="exports_release_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(action__in=["release", "revoke"]), name="exports_release_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.subject} to {self.audience}"

    @property
    def subject(self):
        return self.patient or self.dataset_version

    @property
    def audience(self) -> str:
        return self.researcher.username if self.researcher else "all researchers"


class ExportJob(BackgroundJob):
    """A researcher's export bundle made by a worker (reviewer.exports.jobs): its scope as asked,
    the zip under the export folder once made, and the signed download token, whose timestamp
    is when the zip was made (reviewer.exports.links)."""

    # {"patients": [pseudonyms], "dataset_version": id or null}: empty, all one may export
    scope = models.JSONField(default=dict, blank=True)
    file = models.CharField(max_length=255, blank=True)  # the zip's name in the export folder
    token = models.CharField(max_length=255, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # counts of what the bundle holds

    class Meta(BackgroundJob.Meta):
        pass

    def __str__(self) -> str:
        return f"export {self.pk}"

    def result_patients(self) -> list:
        return []  # the page shows the download link instead
