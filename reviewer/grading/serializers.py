"""What a reader submits and reads back: assessments and lesion verdicts of a segmentation,
what the grading panel shows beside the form, and the three-exam volume diagnosis."""

from rest_framework import serializers

from reviewer.grading.diagnoses import conclusion_visible
from reviewer.grading.models import (
    Assessment,
    Consensus,
    Diagnosis,
    LesionVerdict,
    SecondOpinion,
    Stage,
    VolumeDiagnosis,
)
from reviewer.grading.three_exams import TIMEPOINTS
from segmentation.models import Segmentation


def reader_name(user) -> str:
    return user.get_full_name() or user.username


class AssessmentSerializer(serializers.ModelSerializer):
    reader_name = serializers.SerializerMethodField(help_text="the reader's name (or username)")

    class Meta:
        model = Assessment
        fields = [
            "id", "segmentation", "reader", "reader_name", "acceptable", "scale", "grade",
            "four_level", "comment", "supersedes", "reading_time_ms", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reader_name(self, assessment: Assessment) -> str:
        return reader_name(assessment.reader)


class AssessmentInputSerializer(serializers.Serializer):
    """Exactly one of grade and four_level: the one of the project's scale (the grading
    endpoint's scale.field)."""

    acceptable = serializers.BooleanField(help_text="ACCEPTABLE (true) or UNACCEPTABLE (false)")
    grade = serializers.IntegerField(
        required=False, min_value=1, max_value=5, help_text="EASE: 5 Perfect … 1 Terrible"
    )
    four_level = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=4,
        help_text="four-level scale, the Methods numbering: 4 (grade I, acceptable) … 1 "
        "(grade IV, not acceptable)",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="the assessment this one replaces: the latest one the reader saw",
    )
    reading_time_ms = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="active reading time of the segmentation, measured by the viewer",
    )


class LesionVerdictSerializer(serializers.ModelSerializer):
    reader_name = serializers.SerializerMethodField(help_text="the reader's name (or username)")

    class Meta:
        model = LesionVerdict
        fields = [
            "id", "segmentation", "lesion", "reader", "reader_name", "decision", "centre_mm",
            "radius_mm", "supersedes", "reading_time_ms", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reader_name(self, verdict: LesionVerdict) -> str:
        return reader_name(verdict.reader)


class LesionVerdictInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=LesionVerdict.Decision.choices)
    lesion = serializers.IntegerField(
        required=False, allow_null=True, help_text="the lesion judged; none for an added lesion"
    )
    centre_mm = serializers.ListField(
        child=serializers.FloatField(),
        min_length=3,
        max_length=3,
        required=False,
        allow_null=True,
        help_text="[x, y, z] RAS millimetres of an added (missed) lesion",
    )
    radius_mm = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0.1,
        max_value=100.0,
        help_text="rough radius of an added (missed) lesion, if the reader gives one",
    )
    supersedes = serializers.IntegerField(required=False, allow_null=True)
    reading_time_ms = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class RegionVolumeSerializer(serializers.Serializer):
    region = serializers.CharField(
        help_text="enhancing, necrosis (necrosis/non-enhancing core), oedema, lesion, or the "
        "totals TC (enhancing + necrosis) and WT (TC + oedema)"
    )
    volume_ml = serializers.FloatField()


class ScaleLevelSerializer(serializers.Serializer):
    value = serializers.IntegerField(help_text="what the form submits in the scale's field")
    label = serializers.CharField()
    roman = serializers.CharField(help_text="four-level scale: I (best) … IV; blank for EASE")
    methods_score = serializers.IntegerField(
        allow_null=True, help_text="four-level scale, the paper's Methods numbering (4 … 1)"
    )
    table5_score = serializers.IntegerField(
        allow_null=True, help_text="four-level scale, the paper's Table 5 numbering (3 … 0)"
    )
    criteria = serializers.DictField(
        child=serializers.CharField(),
        help_text="four-level scale: the criteria per lesion size class (small, medium, large)",
    )


class ScaleSerializer(serializers.Serializer):
    scale = serializers.ChoiceField(choices=Assessment.Scale.choices)
    name = serializers.CharField()
    field = serializers.ChoiceField(
        choices=["grade", "four_level"], help_text="the assessment field that carries the level"
    )
    levels = ScaleLevelSerializer(many=True, help_text="best first")


class GradingPanelSerializer(serializers.Serializer):
    """What the grading panel shows beside the form (EASE R-A6.3)."""

    segmentation = serializers.IntegerField()
    scale = ScaleSerializer(
        help_text="the scale to grade on: the project's (NEUROREVIEW_GRADING_SCALE)"
    )
    regions = RegionVolumeSerializer(many=True, help_text="the volume of each region, in mL")
    listed_lesions = serializers.IntegerField(help_text="components listed as lesions")
    below_minimum_lesions = serializers.IntegerField(
        help_text="components below the minimum volume: counted, listed on request"
    )
    minimum_lesion_ml = serializers.FloatField(allow_null=True)


class SecondOpinionSerializer(serializers.ModelSerializer):
    reader_name = serializers.SerializerMethodField()

    class Meta:
        model = SecondOpinion
        fields = ["id", "reader", "reader_name", "opinion", "comment", "created_at"]
        read_only_fields = fields

    def get_reader_name(self, opinion: SecondOpinion) -> str:
        return reader_name(opinion.reader)


class ConsensusSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    conclusion = serializers.ChoiceField(
        choices=Diagnosis.choices,
        allow_null=True,
        help_text="the diagnosis the readers agreed on; null when they could only state the "
        "uncertainty",
    )

    class Meta:
        model = Consensus
        fields = ["id", "author", "author_name", "conclusion", "text", "created_at"]
        read_only_fields = fields

    def get_author_name(self, consensus: Consensus) -> str:
        return reader_name(consensus.author)

    def to_representation(self, consensus):
        data = super().to_representation(consensus)
        data["conclusion"] = data["conclusion"] or None
        return data


class SnapshotSerializer(serializers.Serializer):
    timepoint = serializers.ChoiceField(choices=TIMEPOINTS)
    exam = serializers.IntegerField()
    segmentation = serializers.IntegerField()
    volumes = RegionVolumeSerializer(many=True)


HIDDEN = ("rano_diagnosis", "volume_diagnosis", "comment", "conclusion")


class VolumeDiagnosisSerializer(serializers.ModelSerializer):
    """One diagnosis of the exam. Its conclusions (the fields in HIDDEN) are null and
    conclusion_hidden is true for everyone but its reader while a second opinion is awaited."""

    reader_name = serializers.SerializerMethodField()
    volume_diagnosis = serializers.ChoiceField(choices=Diagnosis.choices, allow_null=True)
    rano_diagnosis = serializers.ChoiceField(choices=Diagnosis.choices, allow_null=True)
    comment = serializers.CharField(allow_null=True)
    volumes = SnapshotSerializer(many=True, help_text="the volumes the reader saw")
    stage = serializers.ChoiceField(choices=Stage.choices)
    conclusion = serializers.ChoiceField(
        choices=Diagnosis.choices,
        allow_null=True,
        help_text="the diagnosis the reading ended with: null while open, for an inconsistent "
        "set, and for a consensus that could only state the uncertainty",
    )
    conclusion_hidden = serializers.SerializerMethodField(
        help_text="true while a second opinion is awaited and you are not this reader"
    )
    second_opinion = SecondOpinionSerializer(allow_null=True)
    consensus = ConsensusSerializer(allow_null=True)

    class Meta:
        model = VolumeDiagnosis
        fields = [
            "id", "exam", "family", "current_segmentation", "prior_segmentation",
            "earlier_prior_segmentation", "reader", "reader_name", "rano_diagnosis",
            "volume_diagnosis", "inconsistent", "inconsistency_reason", "comment", "volumes",
            "stage", "conclusion", "conclusion_hidden", "second_opinion", "consensus",
            "supersedes", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reader_name(self, diagnosis: VolumeDiagnosis) -> str:
        return reader_name(diagnosis.reader)

    def _hidden(self, diagnosis: VolumeDiagnosis) -> bool:
        head = self.context.get("head", diagnosis)
        return not conclusion_visible(diagnosis, head, self.context["request"].user)

    def get_conclusion_hidden(self, diagnosis: VolumeDiagnosis) -> bool:
        return self._hidden(diagnosis)

    def to_representation(self, diagnosis):
        data = super().to_representation(diagnosis)
        data["volume_diagnosis"] = data["volume_diagnosis"] or None
        if self._hidden(diagnosis):
            data.update(dict.fromkeys(HIDDEN))
        return data


class MemberSerializer(serializers.Serializer):
    timepoint = serializers.ChoiceField(choices=TIMEPOINTS, help_text="t, t-1 or t-2")
    exam = serializers.IntegerField()
    order = serializers.IntegerField(help_text="the exam's rank among the patient's exams")
    date = serializers.DateField(allow_null=True)
    segmentation = serializers.IntegerField(
        allow_null=True, help_text="the family's composite segmentation of the exam"
    )
    assessment = serializers.IntegerField(
        allow_null=True, help_text="the segmentation's current assessment"
    )
    acceptable = serializers.BooleanField(allow_null=True)
    volumes = RegionVolumeSerializer(
        many=True, allow_null=True, help_text="null unless the volumetric assessment is possible"
    )


class RefusalSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["priors", "segmentation", "not_graded", "unacceptable", "incompatible"]
    )
    message = serializers.CharField()
    exam = serializers.IntegerField(allow_null=True)
    segmentation = serializers.IntegerField(allow_null=True)


class RegionChangeSerializer(serializers.Serializer):
    region = serializers.CharField()
    change_ml = serializers.FloatField()
    change_percent = serializers.FloatField(
        allow_null=True, help_text="null when the region was absent from the prior"
    )


class ChangesSerializer(serializers.Serializer):
    against = serializers.ChoiceField(choices=TIMEPOINTS[1:], help_text="the prior: t-1 or t-2")
    exam = serializers.IntegerField()
    regions = RegionChangeSerializer(many=True)


class GuideLinesSerializer(serializers.Serializer):
    rano_2d = serializers.FloatField(help_text="+25 %: RANO's progression threshold in 2D")
    volume = serializers.FloatField(help_text="+40 %: its volume equivalent (1.25^1.5)")


class VolumeDiagnosisSheetSerializer(serializers.Serializer):
    """The three-exam volume diagnosis of an exam: the set, its volumes and changes when all
    three segmentations are currently ACCEPTABLE, and the exam's diagnoses (newest first)."""

    exam = serializers.IntegerField()
    patient = serializers.CharField(help_text="the patient's pseudonym")
    family = serializers.ChoiceField(choices=Segmentation.Family.choices)
    possible = serializers.BooleanField(help_text="whether a volumetric assessment exists")
    refusals = RefusalSerializer(many=True, help_text="why not, when it does not")
    members = MemberSerializer(many=True, help_text="t, t-1, t-2")
    changes = ChangesSerializer(
        many=True, help_text="the current exam against each prior; empty when not possible"
    )
    guide_lines_percent = GuideLinesSerializer(
        help_text="guide lines only: the reader decides, nothing is classified automatically"
    )
    diagnoses = VolumeDiagnosisSerializer(many=True)


class VolumeDiagnosisInputSerializer(serializers.Serializer):
    family = serializers.ChoiceField(choices=Segmentation.Family.choices)
    priors = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=2,
        max_length=2,
        required=False,
        help_text="the two prior exams; by default the two exams before this one",
    )
    rano_diagnosis = serializers.ChoiceField(choices=Diagnosis.choices)
    volume_diagnosis = serializers.ChoiceField(
        choices=Diagnosis.choices, required=False, help_text="absent for an inconsistent set"
    )
    inconsistent = serializers.BooleanField(
        default=False, help_text="the set is rejected as longitudinally inconsistent"
    )
    inconsistency_reason = serializers.CharField(required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    supersedes = serializers.IntegerField(
        required=False, allow_null=True, help_text="your standing diagnosis this one revises"
    )


class SecondOpinionInputSerializer(serializers.Serializer):
    opinion = serializers.ChoiceField(choices=Diagnosis.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ConsensusInputSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="the consensus, stating its uncertainty")
    conclusion = serializers.ChoiceField(
        choices=Diagnosis.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="the diagnosis agreed on, if any",
    )
