"""Reader studies: readers read cases of the platform once per arm (unaided, AI-aided), in two
phases separated by a washout, each in their own seeded order (spec ms-workflows S-01…S-05).

A study has numbered versions. A version is a draft until the researcher starts it; starting
locks it: it stores which arm each reader reads first and every reading with its position in
the reader's order (generated once from the seed, never again). No reading can be served, so
no answer given, before the start, which makes the issue's "the design locks once the first
answer exists" hold from the start on. After that the database refuses every change and
deletion of the version, its cases, its readers and its readings (migration 0005); the one
change allowed is ending a running version. A change of design is a new version
(reviewer.studies.design.revise).

A finished reading is a ReadingSession (start, finish, the focus-loss and idle gaps); sessions
are append-only. Its answers are a SurveyResponse whose subject is the reading."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

DEFAULT_WASHOUT = datetime.timedelta(days=14)  # "2 weeks later" (S-02; paper A 3898, 3928)

# The paper's instructions (S-06; paper A 3907–3914).
DEFAULT_INSTRUCTIONS = (
    "Read each case as you would in your clinical routine.\n"
    "Do not spend more time reading than you would in clinical routine.\n"
    "Read in a quiet environment where you will not be interrupted."
)


class Arm(models.TextChoices):
    UNAIDED = "unaided", "Unaided (images only)"
    AI_AIDED = "ai_aided", "AI-aided (images and AI output)"


class Study(models.Model):
    name = models.CharField(max_length=128, unique=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.name


class StudyVersionQuerySet(models.QuerySet):
    def running(self) -> "StudyVersionQuerySet":
        """Started (so locked) and not ended: the versions whose readings are read now."""
        return self.filter(locked_at__isnull=False, ended_at__isnull=True)


class StudyVersion(models.Model):
    """One design of a study: its cases, readers, arms order, washout, seed and instructions."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()  # 1, 2, … within the study
    note = models.TextField(blank=True)  # what changed from the version before, and why
    instructions = models.TextField(default=DEFAULT_INSTRUCTIONS)  # shown before each session
    # False: the paper's fixed order, every reader unaided first (its named bias, 4739–4742);
    # True: a crossover, half the readers start unaided and half AI-aided.
    crossover = models.BooleanField(default=True)
    washout = models.DurationField(default=DEFAULT_WASHOUT)  # between a reader's two phases
    seed = models.PositiveBigIntegerField()  # of the readers' arms and orders
    # the questions each reading answers; none: a reading records its timing only
    survey_version = models.ForeignKey(
        "studies.SurveyVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="study_versions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    locked_at = models.DateTimeField(null=True, blank=True)  # started: the design is final
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = StudyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["study", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "number"], name="studies_studyversion_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(washout__gte=datetime.timedelta(0)),
                name="studies_studyversion_washout_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(locked_at__isnull=False),
                name="studies_studyversion_ends_once_started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} v{self.number}"

    @property
    def is_running(self) -> bool:
        return self.locked_at is not None and self.ended_at is None


class StudyCase(models.Model):
    """An exam of the platform read in the study; a practice case is read before phase 1 to
    learn the reading system (S-05) and counts in no analysis."""

    version = models.ForeignKey(StudyVersion, on_delete=models.CASCADE, related_name="cases")
    exam = models.ForeignKey("cases.Exam", on_delete=models.PROTECT, related_name="study_cases")
    practice = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "practice", "exam"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "exam"], name="studies_studycase_exam_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{'practice ' if self.practice else ''}exam {self.exam_id} of {self.version}"


class StudyReader(models.Model):
    """A reader enrolled in a version; ``first_arm`` is the arm of their phase 1, stored as the
    version starts."""

    version = models.ForeignKey(StudyVersion, on_delete=models.CASCADE, related_name="readers")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_enrolments"
    )
    first_arm = models.CharField(max_length=16, choices=Arm.choices, blank=True)

    class Meta:
        ordering = ["version", "reader"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "reader"], name="studies_studyreader_once_per_version"
            ),
            models.CheckConstraint(
                condition=Q(first_arm__in=["", *Arm.values]),
                name="studies_studyreader_first_arm_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reader} in {self.version}"


class Reading(models.Model):
    """One reader reading one case in one arm: phase 0 is practice, then phases 1 and 2.
    ``position`` is its place in the reader's seeded order within the phase."""

    PRACTICE = 0

    version = models.ForeignKey(StudyVersion, on_delete=models.CASCADE, related_name="readings")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_readings"
    )
    case = models.ForeignKey(StudyCase, on_delete=models.CASCADE, related_name="readings")
    arm = models.CharField(max_length=16, choices=Arm.choices)
    phase = models.PositiveSmallIntegerField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "reader", "phase", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "reader", "case", "arm"],
                name="studies_reading_once_per_arm",
            ),
            models.UniqueConstraint(
                fields=["version", "reader", "phase", "position"],
                name="studies_reading_one_per_position",
            ),
            models.CheckConstraint(
                condition=Q(phase__lte=2), name="studies_reading_phase_practice_1_or_2"
            ),
            models.CheckConstraint(
                condition=Q(arm__in=Arm.values), name="studies_reading_arm_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reader} reads {self.case} {self.arm} (phase {self.phase})"


class ReadingSession(models.Model):
    """A finished reading: from the case fully displayed to the answers sent (S-10), with the
    gaps in between when the page lost the focus or the reader was idle (S-11): a list of
    {"kind": "focus" | "idle", "start": iso, "end": iso}, inside the session and not
    overlapping. ``reading_seconds`` is the session less its gaps, computed once as the row is
    written (reviewer.studies.readings); the row never changes."""

    reading = models.OneToOneField(Reading, on_delete=models.PROTECT, related_name="session")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    gaps = models.JSONField(default=list)
    reading_seconds = models.FloatField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finished_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__gte=models.F("started_at")),
                name="studies_readingsession_finishes_after_start",
            ),
            models.CheckConstraint(
                condition=Q(reading_seconds__gte=0),
                name="studies_readingsession_time_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"session of {self.reading}"

    @property
    def interrupted(self) -> bool:
        return bool(self.gaps)
