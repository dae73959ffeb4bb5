from django.db import models

from reviewer.core.jobs import BackgroundJob


class ImportJob(BackgroundJob):
    """An uploaded BraTS folder or DICOM zip, imported by a worker, all or nothing."""

    class Kind(models.TextChoices):
        BRATS = "brats", "BraTS folder (zip)"
        DICOM = "dicom", "DICOM files (zip)"
        PACS = "pacs", "Studies pulled from a PACS"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    # path of the uploaded zip under the upload dir; "" for a pull from a PACS
    upload = models.CharField(max_length=255, blank=True)
    upload_name = models.CharField(max_length=255)
    options = models.JSONField(default=dict, blank=True)
    patients = models.ManyToManyField("cases.Patient", blank=True, related_name="+")
    # A DICOM import's report: every series seen, chosen as a sequence or left out and why
    # (imaging.series_selection.report); a failed import lists them in its error instead.
    series_report = models.JSONField(default=list, blank=True)

    class Meta(BackgroundJob.Meta):
        pass

    def __str__(self) -> str:
        return f"import {self.pk} ({self.get_kind_display()})"  # the upload name may identify

    def result_patients(self) -> list:
        return list(self.patients.all())
