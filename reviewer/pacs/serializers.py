from rest_framework import serializers

from reviewer.pacs.models import PacsConnection, SentResult


class PacsConnectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PacsConnection
        fields = ["id", "name", "dicomweb_url", "username"]


class StudyQuerySerializer(serializers.Serializer):
    """A search of the PACS's studies; at least one criterion."""

    patient_id = serializers.CharField(required=False, max_length=64)
    patient_name = serializers.CharField(
        required=False, max_length=128, help_text="DICOM wildcards allowed: SMITH*"
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    modality = serializers.CharField(required=False, max_length=16, default="MR")
    description = serializers.CharField(required=False, max_length=64)

    def validate(self, data):
        if not set(data) - {"modality"}:
            raise serializers.ValidationError(
                "give a patient ID, a name, a date range or a description: a PACS holds "
                "too many studies to list them all"
            )
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": "before date_from"})
        return data


class StudyFoundSerializer(serializers.Serializer):
    study_uid = serializers.CharField()
    patient_id = serializers.CharField()
    patient_name = serializers.CharField()
    study_date = serializers.CharField(help_text="YYYYMMDD, as the PACS gives it")
    description = serializers.CharField()
    modalities = serializers.ListField(child=serializers.CharField())
    series = serializers.IntegerField(allow_null=True)
    instances = serializers.IntegerField(allow_null=True)
    imported = serializers.BooleanField(help_text="the patient has this study already")


class SentResultSerializer(serializers.ModelSerializer):
    connection = serializers.SlugRelatedField(slug_field="name", read_only=True)
    sent_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SentResult
        fields = [
            "id",
            "sending",
            "kind",
            "description",
            "series_instance_uid",
            "instances",
            "connection",
            "status",
            "answer",
            "sent_by",
            "sent_at",
        ]
        read_only_fields = fields
