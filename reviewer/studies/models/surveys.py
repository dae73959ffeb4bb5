"""Surveys: a survey has numbered versions, each an immutable definition of ordered questions
with branching (reviewer.studies.definitions); a response answers one published version about
one subject and keeps that version for good.

Database triggers (migration 0002) enforce what must never change: a version's row once it is
published or answered, and every response (append-only: a correction is a new response that
names the one it supersedes, as grading's assessments do)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Survey(models.Model):
    name = models.CharField(max_length=128, unique=True)
    description = models.TextField(blank=True)
    # null: built into NeuroReview by a migration (the EASE survey), not made by a user
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SurveyVersionQuerySet(models.QuerySet):
    def published(self) -> "SurveyVersionQuerySet":
        return self.filter(published_at__isnull=False)

    def current(self) -> "SurveyVersion | None":
        """The version respondents answer now: the newest published one."""
        return self.published().order_by("-number").first()


class SurveyVersion(models.Model):
    """One definition of a survey. A draft until published; once published (or answered) the
    database refuses every change and deletion: a change is a new version."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()  # 1, 2, … within the survey
    definition = models.JSONField()  # {"questions": [...]}, valid by definitions.validate
    note = models.TextField(blank=True)  # what changed from the version before, and why
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = SurveyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "number"], name="studies_surveyversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"


class SurveyResponse(models.Model):
    """A respondent's answers to one survey version about one subject: a patient, an exam or a
    reader study's reading (reviewer.studies.readings records those). ``answers`` holds
    question id -> value for the questions the answers showed, as reviewer.studies.answers
    accepted them.

    A respondent's responses about a subject to a survey form one chain: one first response,
    and each correction supersedes the one before (only once), so a form based on a stale
    history is refused."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_responses"
    )
    patient = models.ForeignKey(
        "cases.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_responses",
    )
    exam = models.ForeignKey(
        "cases.Exam",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_responses",
    )
    reading = models.ForeignKey(
        "studies.Reading",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_responses",
    )
    answers = models.JSONField()
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(patient__isnull=False, exam__isnull=True, reading__isnull=True)
                | Q(patient__isnull=True, exam__isnull=False, reading__isnull=True)
                | Q(patient__isnull=True, exam__isnull=True, reading__isnull=False),
                name="studies_surveyresponse_one_subject",
            ),
            models.UniqueConstraint(
                fields=["survey", "respondent", "patient"],
                condition=Q(supersedes__isnull=True, patient__isnull=False),
                name="studies_surveyresponse_one_first_per_patient",
            ),
            models.UniqueConstraint(
                fields=["survey", "respondent", "exam"],
                condition=Q(supersedes__isnull=True, exam__isnull=False),
                name="studies_surveyresponse_one_first_per_exam",
            ),
            models.UniqueConstraint(
                fields=["survey", "respondent", "reading"],
                condition=Q(supersedes__isnull=True, reading__isnull=False),
                name="studies_surveyresponse_one_first_per_reading",
            ),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.version}"

    @property
    def subject(self):
        return self.patient or self.exam or self.reading
