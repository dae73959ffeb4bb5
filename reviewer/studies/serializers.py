"""What researchers and respondents send and read back: surveys, their versions (with the
definition: reviewer.studies.definitions says its form) and responses (reviewer.studies.answers
says what an answer is); and a reader's own reader studies with their readings and progress."""

import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviewer.studies.models import Reading, StudyVersion, Survey, SurveyResponse, SurveyVersion
from reviewer.studies.readings import progress, readings_of, washout_ends


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


class PhaseProgressSerializer(serializers.Serializer):
    phase = serializers.IntegerField(help_text="0: practice, then 1 and 2")
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class StudyReadingSerializer(serializers.ModelSerializer):
    """One of the reader's own readings, in their stored order; no answers, no AI output."""

    exam = serializers.PrimaryKeyRelatedField(source="case.exam", read_only=True)
    practice = serializers.BooleanField(source="case.practice", read_only=True)
    finished_at = serializers.SerializerMethodField()
    reading_seconds = serializers.SerializerMethodField(
        help_text="the session less its focus-loss and idle gaps; null while unread"
    )

    class Meta:
        model = Reading
        fields = [
            "id", "exam", "practice", "arm", "phase", "position", "finished_at",
            "reading_seconds",
        ]  # fmt: skip
        read_only_fields = fields

    def get_finished_at(self, reading) -> datetime.datetime | None:
        session = _session(reading)
        return session.finished_at if session else None

    def get_reading_seconds(self, reading) -> float | None:
        session = _session(reading)
        return session.reading_seconds if session else None


def _session(reading):
    return getattr(reading, "session", None)  # None while unread


class ReaderStudySerializer(serializers.ModelSerializer):
    """A started study version as the requesting reader sees it: the instructions, their first
    arm, their progress, when their phase 2 opens, and their readings in order."""

    study = serializers.SlugRelatedField(slug_field="name", read_only=True)
    first_arm = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    washout_until = serializers.SerializerMethodField(
        help_text="when your phase 2 opens; null while your phase 1 is unfinished"
    )
    readings = serializers.SerializerMethodField()

    class Meta:
        model = StudyVersion
        fields = [
            "id", "study", "number", "instructions", "washout", "locked_at", "ended_at",
            "first_arm", "progress", "washout_until", "readings",
        ]  # fmt: skip
        read_only_fields = fields

    def _reader(self):
        return self.context["request"].user

    def get_first_arm(self, version) -> str:
        return version.readers.get(reader=self._reader()).first_arm

    @extend_schema_field(PhaseProgressSerializer(many=True))
    def get_progress(self, version):
        return PhaseProgressSerializer(progress(self._reader(), version), many=True).data

    def get_washout_until(self, version) -> datetime.datetime | None:
        return washout_ends(self._reader(), version)

    @extend_schema_field(StudyReadingSerializer(many=True))
    def get_readings(self, version):
        mine = readings_of(self._reader(), version).select_related("case", "session")
        return StudyReadingSerializer(mine, many=True).data
