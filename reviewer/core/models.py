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
