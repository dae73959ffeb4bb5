from rest_framework import serializers

from reviewer.cases.models import Exam, Patient, Series


class SeriesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Series
        fields = ["id", "sequence", "sha256", "shape", "spacing", "affine", "dicom_series_uid"]


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
            "disease",
            "exam_count",
            "latest_exam_date",
            "missing_series",
            "open_alarm_count",
            "review_status",
        ]

    def get_review_status(self, patient) -> str:
        return review_status(patient)


class PatientDiseaseSerializer(serializers.ModelSerializer):
    """What a QA admin may change of a patient: the disease, which decides the AI."""

    class Meta:
        model = Patient
        fields = ["pseudonym", "disease"]
        read_only_fields = ["pseudonym"]
        extra_kwargs = {"disease": {"required": True}}  # the model's default is no answer


class PatientDetailSerializer(PatientSerializer):
    exams = ExamSerializer(many=True, read_only=True)

    class Meta(PatientSerializer.Meta):
        fields = PatientSerializer.Meta.fields + ["exams"]


def review_status(patient) -> str:
    """What the worklist says about review; grading issues refine it with assessments."""
    return "awaiting review" if patient.model_segmentation_count else "no AI segmentation"
