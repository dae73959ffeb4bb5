"""Reference datasets and their versions. A version is a manifest of cases (exam, the sha256 of
each series and of the reference label, and the case's strata) with a content hash; any change
makes a new version.
Triggers (migration 0002) refuse every change to a sealed version, to its cases, and to the
series and reference labels its cases hash."""

from django.conf import settings
from django.db import models


class ReferenceDataset(models.Model):
    name = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DatasetVersion(models.Model):
    """One immutable state of a dataset. Sealed in the transaction that makes it: its cases are
    written, its hash computed, then nothing about it can change."""

    dataset = models.ForeignKey(ReferenceDataset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()  # 1, 2, … within the dataset
    sha256 = models.CharField(max_length=64, blank=True)  # of the canonical manifest
    note = models.TextField(blank=True)  # why this version: what changed
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dataset", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "number"], name="datasets_version_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(sealed_at__isnull=True) | ~models.Q(sha256=""),
                name="datasets_version_sealed_with_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} v{self.number}"


class DatasetCase(models.Model):
    """One exam of a version with its reference label, and the hashes the manifest records."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="cases")
    exam = models.ForeignKey("cases.Exam", on_delete=models.PROTECT, related_name="+")
    reference = models.ForeignKey(
        "segmentation.Segmentation", on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=64)  # pseudonym/exam order: the case across versions
    series_sha256 = models.JSONField()  # sequence -> sha256
    label_sha256 = models.CharField(max_length=64)
    # The strata the evaluation reports by (besides the scanner, read from the series): set by
    # the QA admin (tumour group e.g. GBM or LGG; site: the contributing centre), part of the
    # manifest. Null when not recorded: the column is added without
    # rebuilding the table, which on SQLite would drop the sealed-case triggers.
    tumour_group = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    site = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["version", "key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "exam"], name="datasets_case_unique_exam"),
        ]

    def __str__(self) -> str:
        return f"{self.key} in {self.version}"
