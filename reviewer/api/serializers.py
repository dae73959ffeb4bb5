from rest_framework import serializers

from reviewer.imaging.labels import LabelScheme
from reviewer.imaging.sequences import Sequence
from reviewer.models import Exam, ImportJob, Lesion, Patient, Segmentation, Series


class SeriesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Series
        fields = ["id", "sequence", "sha256", "shape", "spacing", "affine", "dicom_series_uid"]


class LesionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesion
        fields = [
            "index",
            "label",
            "label_voxels",
            "voxel_count",
            "volume_ml",
            "centroid_mm",
            "bbox",
        ]


class SegmentationSerializer(serializers.ModelSerializer):
    lesions = LesionSerializer(many=True, read_only=True)
    model_version = serializers.StringRelatedField()
    reader = serializers.StringRelatedField()

    class Meta:
        model = Segmentation
        fields = [
            "id",
            "exam",
            "source",
            "model_version",
            "reader",
            "label_scheme",
            "sha256",
            "created_at",
            "lesions",
        ]


class ExamSerializer(serializers.ModelSerializer):
    patient = serializers.SlugRelatedField(slug_field="pseudonym", read_only=True)
    series = SeriesSerializer(many=True, read_only=True)
    sequences = serializers.SerializerMethodField()

    class Meta:
        model = Exam
        fields = ["id", "patient", "order", "date", "dicom_study_uid", "sequences", "series"]

    def get_sequences(self, exam) -> list[str]:
        return sorted(s.sequence for s in exam.series.all())


class PatientSerializer(serializers.ModelSerializer):
    exam_count = serializers.IntegerField(read_only=True)
    latest_exam_date = serializers.DateField(read_only=True)
    missing_series = serializers.IntegerField(read_only=True)
    open_alarm_count = serializers.IntegerField(read_only=True)
    review_status = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "pseudonym",
            "exam_count",
            "latest_exam_date",
            "missing_series",
            "open_alarm_count",
            "review_status",
        ]

    def get_review_status(self, patient) -> str:
        return review_status(patient)


class PatientDetailSerializer(PatientSerializer):
    exams = ExamSerializer(many=True, read_only=True)

    class Meta(PatientSerializer.Meta):
        fields = PatientSerializer.Meta.fields + ["exams"]


def review_status(patient) -> str:
    """What the worklist says about review; grading issues refine it with assessments."""
    return "awaiting review" if patient.model_segmentation_count else "no AI segmentation"


class ImportJobSerializer(serializers.ModelSerializer):
    file = serializers.FileField(
        write_only=True, help_text="a .zip of a BraTS folder or of DICOM files"
    )
    label_scheme = serializers.ChoiceField(
        choices=[s.value for s in LabelScheme], required=False, write_only=True
    )
    sequence_overrides = serializers.DictField(
        child=serializers.ChoiceField(choices=[s.value for s in Sequence]),
        required=False,
        write_only=True,
        help_text="series UID or description -> FLAIR|T1|T1CE|T2 (DICOM only)",
    )
    patients = serializers.SlugRelatedField(slug_field="pseudonym", many=True, read_only=True)

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
            "created_at",
            "finished_at",
            "file",
            "label_scheme",
            "sequence_overrides",
        ]
        read_only_fields = [
            "status",
            "progress",
            "message",
            "error",
            "upload_name",
            "created_at",
            "finished_at",
        ]

    def validate_file(self, upload):
        if not upload.name.lower().endswith(".zip"):
            raise serializers.ValidationError(f"{upload.name}: upload a .zip file")
        return upload
