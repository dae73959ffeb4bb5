from rest_framework import serializers

from imaging.preprocessing.pipeline import Parameters
from imaging.sequences import Sequence
from reviewer.cases.models import Exam
from reviewer.preprocessing.models import PreprocessingRun

DEFAULTS = Parameters()


class PreprocessingRunSerializer(serializers.ModelSerializer):
    exam = serializers.PrimaryKeyRelatedField(read_only=True)
    rejected_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    has_brain_mask = serializers.SerializerMethodField()

    class Meta:
        model = PreprocessingRun
        fields = [
            "id",
            "exam",
            "status",
            "progress",
            "message",
            "error",
            "parameters",
            "steps",
            "flags",
            "has_brain_mask",
            "rejected_by",
            "rejected_at",
            "rejection_reason",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_has_brain_mask(self, run: PreprocessingRun) -> bool:
        return hasattr(run, "brain_mask")


class RerunSerializer(serializers.Serializer):
    """A new run of an exam with the steps' parameters; any left out keep their defaults."""

    exam = serializers.PrimaryKeyRelatedField(queryset=Exam.objects.all())
    reference = serializers.ChoiceField(
        choices=[("", "first of T1CE, T1, FLAIR, T2"), *((s.value, s.value) for s in Sequence)],
        default="",
    )
    brain_extraction = serializers.BooleanField(default=DEFAULTS.brain_extraction)
    brain_threshold = serializers.FloatField(
        min_value=0.05, max_value=0.95, default=DEFAULTS.brain_threshold
    )
    brain_dilate_voxels = serializers.IntegerField(
        min_value=-5, max_value=5, default=DEFAULTS.brain_dilate_voxels
    )
    bias_correction = serializers.BooleanField(default=DEFAULTS.bias_correction)


class RejectionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, trim_whitespace=True)
