"""Assessments of a segmentation and verdicts on its lesions, both append-only: a regrade is a
new row that supersedes the previous one, and the database refuses UPDATE and DELETE (triggers
in migration 0002). Two rows can never supersede the same one: that is how a submission based
on a stale form is refused."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class AssessmentQuerySet(models.QuerySet):
    def current_by_segmentation(self) -> dict[int, "Assessment"]:
        """Each segmentation's current assessment, by segmentation pk: the newest that nothing
        supersedes. The volumetric assessment and the review states go by it; when two readers
        disagree, the later judgement stands."""
        current = {}
        rows = self.filter(superseded_by__isnull=True).order_by(
            "segmentation", "-created_at", "-pk"
        )
        for assessment in rows:
            current.setdefault(assessment.segmentation_id, assessment)
        return current


class Assessment(models.Model):
    """A reader's judgement of a whole segmentation: acceptable or not, plus a grade on the
    EASE 1–5 scale (5 Perfect … 1 Terrible) or the 4-level scale (4 acceptable … 1 not)."""

    class Scale(models.TextChoices):
        EASE = "ease", "EASE (1–5)"
        FOUR_LEVEL = "four_level", "Four levels (1–4)"

    segmentation = models.ForeignKey(
        "segmentation.Segmentation", on_delete=models.PROTECT, related_name="assessments"
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    acceptable = models.BooleanField()
    scale = models.CharField(max_length=16, choices=Scale.choices, default=Scale.EASE)
    grade = models.PositiveSmallIntegerField(null=True, blank=True)  # EASE: 5 best
    four_level = models.PositiveSmallIntegerField(null=True, blank=True)  # 4 best
    comment = models.TextField(blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    # from opening the segmentation to submitting, measured by the viewer (R-CMB-05, R-WMH-05)
    reading_time_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=5),
                name="grading_assessment_grade_range",
            ),
            models.CheckConstraint(
                condition=Q(four_level__isnull=True) | Q(four_level__gte=1, four_level__lte=4),
                name="grading_assessment_four_level_range",
            ),
            models.CheckConstraint(
                condition=Q(scale="ease", grade__isnull=False, four_level__isnull=True)
                | Q(scale="four_level", four_level__isnull=False, grade__isnull=True),
                name="grading_assessment_scale_matches_value",
            ),
            models.UniqueConstraint(
                fields=["supersedes"], name="grading_assessment_supersedes_once"
            ),
            # the history of a segmentation is one chain: a reader who grades without having
            # seen an assessment made meanwhile is refused like any stale form
            models.UniqueConstraint(
                fields=["segmentation"],
                condition=Q(supersedes__isnull=True),
                name="grading_assessment_one_first_per_segmentation",
            ),
        ]

    def __str__(self) -> str:
        return f"assessment {self.pk} of segmentation {self.segmentation_id}"


class LesionVerdict(models.Model):
    """A reader's decision on one lesion of a segmentation: accepted, rejected, or added (a lesion
    the segmentation missed, with no Lesion row, a centre in RAS scanner millimetres and
    optionally a rough radius). Withdrawn takes back the verdict it supersedes (the reader's
    undo of a first verdict or of an added lesion): the lesion is undecided again."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        ADDED = "added", "Added (missed)"
        WITHDRAWN = "withdrawn", "Withdrawn"

    lesion = models.ForeignKey(
        "segmentation.Lesion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verdicts",
    )
    segmentation = models.ForeignKey(
        "segmentation.Segmentation", on_delete=models.PROTECT, related_name="lesion_verdicts"
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lesion_verdicts"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    centre_mm = models.JSONField(null=True, blank=True)  # [x, y, z], only for an added lesion
    radius_mm = models.FloatField(null=True, blank=True)  # rough extent, only for an added lesion
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reading_time_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="added", lesion__isnull=True, centre_mm__isnull=False)
                | Q(
                    decision__in=["accepted", "rejected"],
                    lesion__isnull=False,
                    centre_mm__isnull=True,
                )
                | Q(decision="withdrawn", supersedes__isnull=False, centre_mm__isnull=True),
                name="grading_lesionverdict_fields_match_decision",
            ),
            models.CheckConstraint(
                condition=Q(radius_mm__isnull=True) | Q(decision="added", radius_mm__gt=0),
                name="grading_lesionverdict_radius_of_added_lesion",
            ),
            models.UniqueConstraint(
                fields=["supersedes"], name="grading_lesionverdict_supersedes_once"
            ),
            models.UniqueConstraint(
                fields=["lesion"],
                condition=Q(supersedes__isnull=True, lesion__isnull=False),
                name="grading_lesionverdict_one_first_per_lesion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} verdict {self.pk} on segmentation {self.segmentation_id}"
