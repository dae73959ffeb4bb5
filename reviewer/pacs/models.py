from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models


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


class PacsStudy(models.Model):
    """Where an exam came from: results about it go back to that PACS and no other."""

    exam = models.OneToOneField("cases.Exam", on_delete=models.PROTECT, related_name="pacs_study")
    connection = models.ForeignKey(PacsConnection, on_delete=models.PROTECT, related_name="+")
    pulled_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.exam} from {self.connection}"


class SentResult(models.Model):
    """One series NeuroReview sent to a PACS about a reviewed segmentation, and the PACS's
    answer. The series sent together share a `sending`. Its UID here is the pseudonymised one:
    the originals went only into what was sent."""

    class Kind(models.TextChoices):
        SEG = "seg", "DICOM SEG"
        SR = "sr", "Structured report"
        OVERLAY = "overlay", "Overlay images"
        REPORT = "report", "Report"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    sending = models.UUIDField(db_index=True)
    segmentation = models.ForeignKey(
        "segmentation.Segmentation", on_delete=models.PROTECT, related_name="sent_results"
    )
    connection = models.ForeignKey(PacsConnection, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    description = models.CharField(max_length=128)
    series_instance_uid = models.CharField(max_length=64)
    instances = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices)
    answer = models.TextField(blank=True)  # what the PACS said (STOW-RS), or why it failed
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.description} of {self.segmentation} to {self.connection}"
