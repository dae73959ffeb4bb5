"""The three-exam volume diagnosis of EASE (spec ease-and-evaluation.md, R-A8): a reader's 2D
(RANO) and volume diagnoses of an exam against two priors, or the set rejected as longitudinally
inconsistent; when the two diagnoses differ, a second radiologist's independent opinion, and when
that opinion differs from the volume diagnosis, a consensus that states the uncertainty.

All three tables are append-only like assessments (triggers in migration 0004): a revision is a
new diagnosis that supersedes the previous one, and one exam has one first diagnosis, so a form
submitted while someone else recorded one is refused as stale."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from segmentation.models import Segmentation


class Diagnosis(models.TextChoices):
    """RANO's categories, as EASE's readers used them for both diagnoses (l.1994–1995)."""

    PROGRESSION = "progression", "Progression"
    STABLE = "stable", "Stable disease"
    RESPONSE = "response", "Treatment response"


class Stage(models.TextChoices):
    """Where a diagnosis stands: the two awaiting stages are open, the others closed."""

    INCONSISTENT = "inconsistent", "Set rejected as longitudinally inconsistent"
    CONCORDANT = "concordant", "2D and volume diagnoses agree"
    AWAITING_SECOND_OPINION = "awaiting_second_opinion", "Waiting for a second reader"
    AGREED = "agreed", "The second reader agrees with the volume diagnosis"
    AWAITING_CONSENSUS = "awaiting_consensus", "Waiting for the readers' consensus"
    CONSENSUS = "consensus", "Closed by consensus"


class VolumeDiagnosisQuerySet(models.QuerySet):
    def heads(self) -> "VolumeDiagnosisQuerySet":
        """The diagnoses that stand: those nothing supersedes (one per exam)."""
        return self.filter(superseded_by__isnull=True)


class VolumeDiagnosis(models.Model):
    """One reader's diagnosis of `exam` (the current exam, t) against two priors (t−1, t−2),
    read on the same model family's composite segmentations, all three currently ACCEPTABLE
    when it was recorded. `volumes` keeps what the reader saw."""

    exam = models.ForeignKey(
        "cases.Exam", on_delete=models.PROTECT, related_name="volume_diagnoses"
    )
    family = models.CharField(max_length=8, choices=Segmentation.Family.choices)
    current_segmentation = models.ForeignKey(
        "segmentation.Segmentation", on_delete=models.PROTECT, related_name="+"
    )
    prior_segmentation = models.ForeignKey(  # t−1
        "segmentation.Segmentation", on_delete=models.PROTECT, related_name="+"
    )
    earlier_prior_segmentation = models.ForeignKey(  # t−2
        "segmentation.Segmentation", on_delete=models.PROTECT, related_name="+"
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volume_diagnoses"
    )
    rano_diagnosis = models.CharField(max_length=16, choices=Diagnosis.choices)
    volume_diagnosis = models.CharField(max_length=16, choices=Diagnosis.choices, blank=True)
    inconsistent = models.BooleanField(default=False)
    inconsistency_reason = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    # [{"exam", "segmentation", "timepoint", "volumes": [{"region", "volume_ml"}]}]
    volumes = models.JSONField()
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VolumeDiagnosisQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "volume diagnoses"
        constraints = [
            models.CheckConstraint(
                condition=Q(inconsistent=True, volume_diagnosis="", inconsistency_reason__gt="")
                | Q(
                    inconsistent=False,
                    volume_diagnosis__in=Diagnosis.values,
                    inconsistency_reason="",
                ),
                name="grading_volumediagnosis_diagnosed_or_inconsistent",
            ),
            models.CheckConstraint(
                condition=Q(rano_diagnosis__in=Diagnosis.values),
                name="grading_volumediagnosis_rano_valid",
            ),
            models.CheckConstraint(
                condition=~Q(current_segmentation=F("prior_segmentation"))
                & ~Q(current_segmentation=F("earlier_prior_segmentation"))
                & ~Q(prior_segmentation=F("earlier_prior_segmentation")),
                name="grading_volumediagnosis_three_segmentations",
            ),
            models.UniqueConstraint(
                fields=["exam"],
                condition=Q(supersedes__isnull=True),
                name="grading_volumediagnosis_one_first_per_exam",
            ),
        ]

    def __str__(self) -> str:
        return f"volume diagnosis {self.pk} of {self.exam}"

    @property
    def needs_second_opinion(self) -> bool:
        """EASE l.1900–1907: the volumes changed the interpretation of the 2D read."""
        return not self.inconsistent and self.rano_diagnosis != self.volume_diagnosis

    @property
    def stage(self) -> Stage:
        if self.inconsistent:
            return Stage.INCONSISTENT
        if not self.needs_second_opinion:
            return Stage.CONCORDANT
        opinion = getattr(self, "second_opinion", None)
        if opinion is None:
            return Stage.AWAITING_SECOND_OPINION
        if opinion.opinion == self.volume_diagnosis:
            return Stage.AGREED
        if getattr(self, "consensus", None) is None:
            return Stage.AWAITING_CONSENSUS
        return Stage.CONSENSUS

    @property
    def conclusion(self) -> str | None:
        """The diagnosis the reading ended with; None while open, for an inconsistent set, and
        for a consensus that could only state the uncertainty."""
        stage = self.stage
        if stage in (Stage.CONCORDANT, Stage.AGREED):
            return self.volume_diagnosis
        if stage == Stage.CONSENSUS:
            return self.consensus.conclusion or None
        return None


class SecondOpinion(models.Model):
    """A second radiologist's independent opinion on a diagnosis whose 2D and volume diagnoses
    differ, given before the first reader's conclusion is shown to them."""

    diagnosis = models.OneToOneField(
        VolumeDiagnosis, on_delete=models.PROTECT, related_name="second_opinion"
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="second_opinions"
    )
    opinion = models.CharField(max_length=16, choices=Diagnosis.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(opinion__in=Diagnosis.values),
                name="grading_secondopinion_opinion_valid",
            )
        ]

    def __str__(self) -> str:
        return f"second opinion on volume diagnosis {self.diagnosis_id}"


class Consensus(models.Model):
    """What the two readers concluded together when the second opinion differed from the
    volume diagnosis: a text that states the uncertainty, and the diagnosis if they reached one."""

    diagnosis = models.OneToOneField(
        VolumeDiagnosis, on_delete=models.PROTECT, related_name="consensus"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consensuses"
    )
    # blank: the readers could only state the uncertainty
    conclusion = models.CharField(max_length=16, choices=Diagnosis.choices, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "consensuses"
        constraints = [
            models.CheckConstraint(
                condition=Q(text__gt=""), name="grading_consensus_text_required"
            ),
            models.CheckConstraint(
                condition=Q(conclusion="") | Q(conclusion__in=Diagnosis.values),
                name="grading_consensus_conclusion_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"consensus on volume diagnosis {self.diagnosis_id}"
