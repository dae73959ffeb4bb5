from rest_framework import serializers

from imaging.labels import LabelScheme
from imaging.sequences import Sequence
from reviewer.cases.models import Disease
from reviewer.imports.forms import UPLOAD_KINDS, zip_upload_error
from reviewer.imports.models import ImportJob


class SeriesSeenSerializer(serializers.Serializer):
    """A series of a DICOM upload, as the import report names it."""

    study = serializers.IntegerField(help_text="the study's number in the upload, from 1")
    number = serializers.IntegerField(help_text="SeriesNumber")
    description = serializers.CharField(help_text="SeriesDescription")
    files = serializers.IntegerField()
    sequence = serializers.CharField(
        allow_null=True, help_text="FLAIR, T1, T1CE or T2: what the series was recognized as"
    )
    left_out = serializers.CharField(help_text="why it was not imported; empty when it was")


class ImportJobSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=ImportJob.Kind.choices,
        help_text="brats or dicom for an upload; a pull from a PACS is started at /api/pacs/",
    )
    file = serializers.FileField(
        write_only=True, help_text="a .zip of a BraTS folder or of DICOM files"
    )
    label_scheme = serializers.ChoiceField(
        choices=[s.value for s in LabelScheme], required=False, write_only=True
    )
    disease = serializers.ChoiceField(
        choices=Disease.choices,
        required=False,
        write_only=True,
        help_text="the patients' disease, which decides the AI that runs (BraTS: glioma unless "
        "exams.csv has a disease column; DICOM: not recorded unless given)",
    )
    sequence_overrides = serializers.DictField(
        child=serializers.ChoiceField(choices=[s.value for s in Sequence]),
        required=False,
        write_only=True,
        help_text="series UID or description -> FLAIR|T1|T1CE|T2 (DICOM only)",
    )
    patients = serializers.SlugRelatedField(slug_field="pseudonym", many=True, read_only=True)
    series_report = SeriesSeenSerializer(
        many=True,
        read_only=True,
        help_text="DICOM: every series seen, imported or left out and why",
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "error",
            "upload_name",
            "patients",
            "series_report",
            "created_at",
            "finished_at",
            "file",
            "label_scheme",
            "disease",
            "sequence_overrides",
        ]
        read_only_fields = [
            "status",
            "progress",
            "message",
            "error",
            "upload_name",
            "series_report",
            "created_at",
            "finished_at",
        ]

    def validate_kind(self, kind: str) -> str:
        if kind not in dict(UPLOAD_KINDS):
            raise serializers.ValidationError("upload a BraTS or DICOM zip; pull at /api/pacs/")
        return kind

    def validate_file(self, upload):
        if error := zip_upload_error(upload):
            raise serializers.ValidationError(error)
        return upload


class PullSerializer(serializers.Serializer):
    studies = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]+(\.[0-9]+)*$", max_length=64),
        min_length=1,
        max_length=50,
        help_text="StudyInstanceUIDs from a search",
    )
    disease = serializers.ChoiceField(choices=Disease.choices, required=False)
