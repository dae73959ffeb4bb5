from django.core.validators import RegexValidator
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


class PacsConnection(models.Model):
    """A DICOMweb PACS that studies are pulled from. The password is not stored: the connection
    names the environment variable of the web and worker processes that holds it, so that it is
    in neither the database (nor its dumps) nor the repository."""

    name = models.CharField(max_length=64, unique=True)
    dicomweb_url = models.URLField(
        max_length=255, help_text="e.g. https://pacs.example.org/dicom-web"
    )
    username = models.CharField(max_length=128, blank=True)
    password_env = models.CharField(
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^[A-Z_][A-Z0-9_]*$", "an environment variable's name")],
        help_text="the environment variable holding the password: NEUROREVIEW_PACS_PASSWORD",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
