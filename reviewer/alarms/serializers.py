"""What the alarm API reads and accepts: alarms with their latest verdict, the verdict history,
a case's alarm state (the socket's message), the versions of the clinical rules and the frozen
ensemble thresholds."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviewer.alarms.models import (
    Alarm,
    AlarmVerdict,
    FrozenThreshold,
    RuleConfiguration,
    ThresholdSet,
)
from reviewer.alarms.risk import SEVERITY
from reviewer.alarms.thresholds import MINIMUM_EXAMS


def user_name(user) -> str | None:
    return (user.get_full_name() or user.username) if user else None


class AlarmVerdictSerializer(serializers.ModelSerializer):
    reader_name = serializers.SerializerMethodField(help_text="the reader's name (or username)")

    class Meta:
        model = AlarmVerdict
        fields = [
            "id", "alarm", "reader", "reader_name", "true_alarm", "comment", "supersedes",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reader_name(self, verdict: AlarmVerdict) -> str:
        return user_name(verdict.reader)


class AlarmVerdictInputSerializer(serializers.Serializer):
    true_alarm = serializers.BooleanField(help_text="a true alarm (true) or a false alarm (false)")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="the alarm's latest verdict as the reader saw it; none for the first verdict",
    )

    def validate(self, data):
        # a form post without the field would read as false: a verdict is never guessed
        if "true_alarm" not in self.initial_data:
            raise serializers.ValidationError({"true_alarm": ["This field is required."]})
        return data


class AlarmSerializer(serializers.ModelSerializer):
    patient = serializers.CharField(source="exam.patient.pseudonym", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    severity = serializers.SerializerMethodField(
        help_text="4 haemorrhage expansion, 3 growth and new activity, 2 unreliable output, "
        "1 many components (reviewer.alarms.risk)"
    )
    rules_version = serializers.IntegerField(
        source="rule_configuration.version",
        read_only=True,
        allow_null=True,
        help_text="the version of the clinical rules it was computed with (also in evidence)",
    )
    verdict = serializers.SerializerMethodField(help_text="the latest verdict, if any")

    class Meta:
        model = Alarm
        fields = [
            "id", "patient", "exam", "segmentation", "kind", "kind_display", "severity", "reason",
            "evidence", "rules_version", "threshold_set", "raised_at", "cleared_at", "verdict",
        ]  # fmt: skip
        read_only_fields = fields

    def get_severity(self, alarm: Alarm) -> int:
        return SEVERITY[alarm.kind]

    @extend_schema_field(AlarmVerdictSerializer(allow_null=True))
    def get_verdict(self, alarm: Alarm) -> dict | None:
        latest = getattr(alarm, "latest_verdicts", None)
        if latest is None:  # not prefetched (reviewer.alarms.services.with_verdicts)
            latest = list(alarm.verdicts.current().select_related("reader"))
        return AlarmVerdictSerializer(latest[0]).data if latest else None


class AlarmKindCountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Alarm.Kind.choices)
    label = serializers.CharField()
    severity = serializers.IntegerField()
    count = serializers.IntegerField(help_text="counting alarms of this kind")


class ExamAlarmLineSerializer(serializers.Serializer):
    """One exam's line of the viewer's alarm header: risk, then the kinds worst first."""

    exam = serializers.IntegerField()
    risk_score = serializers.IntegerField(help_text="100 × worst severity + counting alarms")
    severity = serializers.IntegerField(help_text="the worst counting alarm's severity, 0: none")
    open = serializers.IntegerField(help_text="open alarms, counting or judged false")
    dismissed = serializers.IntegerField(help_text="open alarms whose latest verdict is false")
    kinds = AlarmKindCountSerializer(many=True)
    summary = serializers.CharField(help_text='e.g. "Growth · Unreliable output ×3"')


class CaseAlarmStateSerializer(serializers.Serializer):
    """A patient's open alarms: what GET /api/cases/<pseudonym>/alarms/ returns and what the
    case's alarm socket sends on connect and on every change."""

    alarms = AlarmSerializer(many=True, help_text="open alarms, the worst first, then newest")
    risk_score = serializers.DictField(
        child=serializers.IntegerField(), help_text="risk score by exam id, exams at risk only"
    )
    exams = ExamAlarmLineSerializer(many=True, help_text="one line per exam, newest first")
    patient_risk_score = serializers.IntegerField()


class RuleConfigurationSerializer(serializers.ModelSerializer):
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = RuleConfiguration
        exclude = ["id", "created_by"]
        read_only_fields = [f.name for f in RuleConfiguration._meta.fields if f.name != "id"]

    def get_created_by_name(self, configuration: RuleConfiguration) -> str | None:
        return user_name(configuration.created_by)


class RuleConfigurationInputSerializer(serializers.ModelSerializer):
    """A new version: the parameters given replace those of the version it is based on."""

    based_on = serializers.IntegerField(
        min_value=0, help_text="the version the edit started from: it must still be current"
    )
    note = serializers.CharField(help_text="why the rules change (kept with the version)")

    class Meta:
        model = RuleConfiguration
        exclude = ["id", "version", "created_by", "created_at"]
        extra_kwargs = {
            field.name: {"required": False}
            for field in RuleConfiguration._meta.fields
            if field.name not in ("id", "version", "created_by", "created_at", "note")
        }


class FrozenThresholdSerializer(serializers.ModelSerializer):
    model_version_name = serializers.CharField(source="model_version", read_only=True)

    class Meta:
        model = FrozenThreshold
        fields = [
            "target", "model_version", "model_version_name", "metric", "median", "mad", "alpha",
            "threshold", "cohort_size",
        ]  # fmt: skip
        read_only_fields = fields


class ThresholdSetSerializer(serializers.ModelSerializer):
    thresholds = FrozenThresholdSerializer(many=True, read_only=True)
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ThresholdSet
        fields = [
            "id", "cohort", "exam_ids", "scaled_mad", "note", "created_by_name", "created_at",
            "thresholds",
        ]  # fmt: skip
        read_only_fields = fields

    def get_created_by_name(self, threshold_set: ThresholdSet) -> str | None:
        return user_name(threshold_set.created_by)


class FrozenThresholdSetSerializer(ThresholdSetSerializer):
    """The answer to freezing a set: the set, and what freezing left out (said once, then)."""

    left_out = serializers.ListField(
        child=serializers.CharField(), help_text="the candidates left out, and why"
    )

    class Meta(ThresholdSetSerializer.Meta):
        fields = [*ThresholdSetSerializer.Meta.fields, "left_out"]
        read_only_fields = fields


class FreezeInputSerializer(serializers.Serializer):
    cohort = serializers.CharField(max_length=128, help_text="the reference cohort's name")
    patients = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_empty=False,
        help_text="pseudonyms of the cohort's patients (default: every patient measured)",
    )
    scaled_mad = serializers.BooleanField(default=False, help_text="MAD × 1.4826")
    minimum_exams = serializers.IntegerField(
        min_value=1,
        default=MINIMUM_EXAMS,
        help_text="fewer finite values leave a candidate's metric out",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
