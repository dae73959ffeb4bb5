from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    RADIOLOGIST = "radiologist", "Radiologist"
    QA_ADMIN = "qa_admin", "QA admin"
    RESEARCHER = "researcher", "Researcher"
    ADMIN = "admin", "Admin (data steward)"


class User(AbstractUser):
    """A NeuroReview user. The role decides which pages and endpoints exist for them; object
    permissions (django-guardian) decide which patients a radiologist or researcher may see.
    Reading groups are plain Django groups."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RADIOLOGIST)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="reviewer_user_role_valid"
            )
        ]

    @property
    def sees_all_patients(self) -> bool:
        """QA admins and the data steward work on every patient; others on the ones granted."""
        return self.role in (Role.QA_ADMIN, Role.ADMIN)

    @property
    def is_data_steward(self) -> bool:
        return self.role == Role.ADMIN


class Submission(models.Model):
    """A write sent with an Idempotency-Key, and the answer it got (reviewer.core.idempotency).
    Stored in the transaction of the write itself: a client that lost the answer (a dropped
    connection, a 503 while the database restarted) sends the write again with the same key and
    gets the stored answer, whether or not the first one landed, and never a second row."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    status = models.PositiveSmallIntegerField()
    answer = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_submission_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} by {self.user_id} ({self.key})"
