"""What a reader submits and reads back: assessments and lesion verdicts of a segmentation."""

from rest_framework import serializers

from reviewer.grading.models import Assessment, LesionVerdict


def reader_name(user) -> str:
    return user.get_full_name() or user.username


class AssessmentSerializer(serializers.ModelSerializer):
    reader_name = serializers.SerializerMethodField(help_text="the reader's name (or username)")

    class Meta:
        model = Assessment
        fields = [
            "id", "segmentation", "reader", "reader_name", "acceptable", "scale", "grade",
            "four_level", "comment", "supersedes", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reader_name(self, assessment: Assessment) -> str:
        return reader_name(assessment.reader)


class AssessmentInputSerializer(serializers.Serializer):
    acceptable = serializers.BooleanField(help_text="ACCEPTABLE (true) or UNACCEPTABLE (false)")
    grade = serializers.IntegerField(
        required=False, min_value=1, max_value=5, help_text="EASE: 5 Perfect … 1 Terrible"
    )
    four_level = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=4,
        help_text="four-level scale: 4 acceptable … 1 not acceptable (instead of grade)",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="the assessment this one replaces: the latest one the reader saw",
    )

    def validate(self, data):
        if ("grade" in data) == ("four_level" in data):
            raise serializers.ValidationError(
                {"grade": "Give either grade (EASE 1–5) or four_level (1–4)."}
            )
        return data


class LesionVerdictSerializer(serializers.ModelSerializer):
    reader_name = serializers.SerializerMethodField(help_text="the reader's name (or username)")

    class Meta:
        model = LesionVerdict
        fields = [
            "id", "segmentation", "lesion", "reader", "reader_name", "decision", "centre_mm",
            "supersedes", "reading_time_ms", "created_at",
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
    supersedes = serializers.IntegerField(required=False, allow_null=True)
    reading_time_ms = serializers.IntegerField(required=False, allow_null=True, min_value=0)
