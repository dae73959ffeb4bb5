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
