"""Colocalisation and adjudication of a reader study (spec ms-workflows S-13, S-14).

The readers' marks on a case are grouped into the version's distinct lesions
(reviewer.studies.colocalisation). Every change of that grouping is a numbered revision of the
version: an automatic run, or a person's merge or split. A revision makes new lesions and retires
the ones they replace; nothing is ever changed or deleted (migration 0006), so what an
adjudicator saw when labelling stays on record. The version's lesions now are those not retired.

Designated adjudicators label each lesion TP or FP; a correction is a new label that supersedes
the adjudicator's latest one. A lesion is settled when every designated adjudicator's latest
label agrees; the TP lesions settled are the version's reference standard
(reviewer.studies.adjudication)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ColocalisationRevision(models.Model):
    class Kind(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic colocalisation"
        MERGE = "merge", "Merge by hand"
        SPLIT = "split", "Split by hand"

    version = models.ForeignKey(
        "studies.StudyVersion", on_delete=models.PROTECT, related_name="colocalisation_revisions"
    )
    number = models.PositiveIntegerField()  # 1, 2, … within the version
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tolerance_mm = models.FloatField(null=True, blank=True)  # of an automatic run
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "number"], name="studies_colocalisationrevision_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["automatic", "merge", "split"]),
                name="studies_colocalisationrevision_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="automatic", tolerance_mm__gt=0)
                | (~Q(kind="automatic") & Q(tolerance_mm__isnull=True)),
                name="studies_colocalisationrevision_tolerance_of_runs",
            ),
        ]

    def __str__(self) -> str:
        return f"colocalisation {self.number} ({self.kind}) of {self.version}"


class StudyLesionQuerySet(models.QuerySet):
    def current(self) -> "StudyLesionQuerySet":
        """The lesions no later revision replaced."""
        return self.filter(retirement__isnull=True)


class StudyLesion(models.Model):
    """A distinct lesion of a study case: readers' marks colocalised, with their centroid in
    scanner (RAS) millimetres."""

    version = models.ForeignKey(
        "studies.StudyVersion", on_delete=models.PROTECT, related_name="lesions"
    )
    case = models.ForeignKey("studies.StudyCase", on_delete=models.PROTECT, related_name="lesions")
    revision = models.ForeignKey(
        ColocalisationRevision, on_delete=models.PROTECT, related_name="lesions"
    )
    x_mm = models.FloatField()
    y_mm = models.FloatField()
    z_mm = models.FloatField()

    objects = StudyLesionQuerySet.as_manager()

    class Meta:
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"lesion {self.pk} of {self.case}"

    @property
    def centroid(self) -> tuple[float, float, float]:
        return (self.x_mm, self.y_mm, self.z_mm)


class StudyLesionMark(models.Model):
    """One reader's mark as a member of a lesion: mark ``index`` (from 0) of the lesion-marks
    answer of ``response``, the reading's answers; its position as it was answered."""

    lesion = models.ForeignKey(StudyLesion, on_delete=models.PROTECT, related_name="marks")
    reading = models.ForeignKey("studies.Reading", on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(
        "studies.SurveyResponse", on_delete=models.PROTECT, related_name="+"
    )
    index = models.PositiveIntegerField()
    x_mm = models.FloatField()
    y_mm = models.FloatField()
    z_mm = models.FloatField()
    label = models.CharField(max_length=128, blank=True)  # the reader's label of the mark, if any

    class Meta:
        ordering = ["lesion", "reading", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesion", "response", "index"], name="studies_studylesionmark_once"
            ),
        ]

    def __str__(self) -> str:
        return f"mark {self.index} of {self.reading} in {self.lesion}"


class RetiredLesion(models.Model):
    """A lesion replaced by a later revision (merged, split, or grown by new readings' marks)."""

    lesion = models.OneToOneField(StudyLesion, on_delete=models.PROTECT, related_name="retirement")
    revision = models.ForeignKey(
        ColocalisationRevision, on_delete=models.PROTECT, related_name="retired"
    )

    def __str__(self) -> str:
        return f"{self.lesion} retired by {self.revision}"


class Adjudicator(models.Model):
    """A user the study's researcher designated to label the version's lesions (S-14: by
    default the two most experienced readers, which the researcher chooses)."""

    version = models.ForeignKey(
        "studies.StudyVersion", on_delete=models.PROTECT, related_name="adjudicators"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications"
    )
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    designated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "user"], name="studies_adjudicator_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} adjudicates {self.version}"


class AdjudicationLabel(models.Model):
    """An adjudicator's label of a lesion. An adjudicator's labels of a lesion form one chain:
    one first label, and each correction supersedes the one before (only once)."""

    class Value(models.TextChoices):
        TP = "tp", "True positive"
        FP = "fp", "False positive"

    lesion = models.ForeignKey(StudyLesion, on_delete=models.PROTECT, related_name="labels")
    adjudicator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudication_labels"
    )
    value = models.CharField(max_length=2, choices=Value.choices)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    labelled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lesion", "labelled_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__in=["tp", "fp"]), name="studies_adjudicationlabel_value_valid"
            ),
            models.UniqueConstraint(
                fields=["lesion", "adjudicator"],
                condition=Q(supersedes__isnull=True),
                name="studies_adjudicationlabel_one_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.adjudicator} labels {self.lesion} {self.value}"
