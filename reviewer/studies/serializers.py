"""What researchers and respondents send and read back: surveys, their versions (with the
definition: reviewer.studies.definitions says its form) and responses (reviewer.studies.answers
says what an answer is)."""

from rest_framework import serializers

from reviewer.studies.models import Survey, SurveyResponse, SurveyVersion


class SurveySerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="null: built in"
    )
    current_version = serializers.SerializerMethodField(
        help_text="id of the version respondents answer now: the newest published one"
    )

    class Meta:
        model = Survey
        fields = ["id", "name", "description", "created_by", "created_at", "current_version"]
        read_only_fields = ["id", "created_by", "created_at", "current_version"]

    def get_current_version(self, survey) -> int | None:
        current = survey.versions.current()
        return current.pk if current else None


class SurveyVersionSerializer(serializers.ModelSerializer):
    survey = serializers.SlugRelatedField(slug_field="name", read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="null: built in"
    )
    definition = serializers.JSONField(
        help_text='{"questions": [{"id", "type", "text", "required"?, "show_when"?, …}, …]}'
    )

    class Meta:
        model = SurveyVersion
        fields = [
            "id", "survey", "number", "definition", "note", "created_by", "created_at",
            "published_at",
        ]  # fmt: skip
        read_only_fields = fields


class NewSurveyVersionSerializer(serializers.Serializer):
    definition = serializers.JSONField(
        help_text='{"questions": [...]}, checked as a whole: every problem names its question'
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    publish = serializers.BooleanField(
        required=False, default=False, help_text="publish at once (it can never change after)"
    )


class SurveyResponseSerializer(serializers.ModelSerializer):
    survey = serializers.PrimaryKeyRelatedField(read_only=True)
    respondent = serializers.SlugRelatedField(slug_field="username", read_only=True)
    patient = serializers.SlugRelatedField(
        slug_field="pseudonym", read_only=True, help_text="the subject, when it is a patient"
    )
    answers = serializers.JSONField(help_text="question id -> answer, the shown questions only")
    superseded = serializers.SerializerMethodField(help_text="a later response corrects this one")

    class Meta:
        model = SurveyResponse
        fields = [
            "id", "survey", "version", "respondent", "patient", "exam", "answers", "supersedes",
            "superseded", "submitted_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_superseded(self, response) -> bool:
        return hasattr(response, "superseded_by")


class ResponseInputSerializer(serializers.Serializer):
    """The subject is a patient (by pseudonym) or an exam (by id): exactly one."""

    version = serializers.IntegerField(min_value=1, help_text="the published version answered")
    patient = serializers.CharField(required=False, max_length=32, help_text="a pseudonym")
    exam = serializers.IntegerField(required=False, min_value=1)
    answers = serializers.JSONField(help_text="question id -> answer")
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="your response this one corrects: the latest one about this subject",
    )

    def validate(self, data):
        if ("patient" in data) == ("exam" in data):
            raise serializers.ValidationError(
                {"non_field_errors": ["the subject: a patient or an exam, exactly one"]}
            )
        return data
