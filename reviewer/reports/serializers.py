"""The QA dashboard's figures as the API serves them (see reviewer.reports.quality)."""

from rest_framework import serializers

from reviewer.alarms.models import Alarm


class ShareSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="acceptable, unacceptable, ease_5 … ease_1, four_level_4 …"
    )
    label = serializers.CharField(help_text="as EASE's Tables 2 and 4 print it: Perfect (5) …")
    count = serializers.IntegerField()
    percent = serializers.FloatField(
        allow_null=True, help_text="of the assessments on this row's scale; null when none"
    )


class VersionGradingSerializer(serializers.Serializer):
    model_version = serializers.CharField()
    assessed = serializers.IntegerField(help_text="segmentations with a current assessment")
    rows = ShareSerializer(many=True)


class LabelVerdictsSerializer(serializers.Serializer):
    model_version = serializers.CharField()
    label = serializers.CharField(help_text="the region of the lesions' main label")
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    acceptance_percent = serializers.FloatField(allow_null=True)


class AddedLesionsSerializer(serializers.Serializer):
    model_version = serializers.CharField()
    added = serializers.IntegerField(help_text="lesions readers added: the AI missed them")


class AlarmVerdictsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Alarm.Kind.choices)
    kind_display = serializers.CharField()
    raised = serializers.IntegerField(help_text="alarms of this kind, open or cleared")
    true_alarms = serializers.IntegerField(help_text="judged true by their current verdict")
    false_alarms = serializers.IntegerField(help_text="judged false by their current verdict")
    unjudged = serializers.IntegerField()
    true_percent = serializers.FloatField(allow_null=True, help_text="of the judged alarms")
    false_percent = serializers.FloatField(allow_null=True, help_text="of the judged alarms")


class QualityDashboardSerializer(serializers.Serializer):
    grading = VersionGradingSerializer(many=True)
    lesions = LabelVerdictsSerializer(many=True)
    added = AddedLesionsSerializer(many=True)
    alarms = AlarmVerdictsSerializer(many=True)


class CaseExportRowSerializer(serializers.Serializer):
    """One row of the de-identified case table (reviewer.reports.exports): a series, no dates,
    no identifiers."""

    pseudonym = serializers.CharField()
    exam_order = serializers.IntegerField()
    days_from_baseline = serializers.IntegerField(allow_null=True, help_text="none: no dates")
    sequence = serializers.CharField()
    shape = serializers.CharField(help_text="e.g. 240x240x155")
    spacing_mm = serializers.CharField(help_text="e.g. 1x1x1")
    series_sha256 = serializers.CharField()
    reference_lesion_count = serializers.IntegerField()
    reference_volume_ml = serializers.FloatField()
    software_version = serializers.CharField()
