from rest_framework import serializers

from reviewer.datasets.models import DatasetVersion
from reviewer.validation.gate import Decision
from reviewer.validation.models import Deployment, Evaluation, ValidationRun
from segmentation.models import ModelVersion


class GradeSerializer(serializers.Serializer):
    acceptable = serializers.BooleanField()
    level = serializers.IntegerField(help_text="EASE grade 1–5 or four-level value 1–4.")


class CaseOutcomeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="pseudonym/exam order")
    pseudonym = serializers.CharField()
    exam = serializers.IntegerField()
    candidate_segmentation = serializers.IntegerField()
    baseline_segmentation = serializers.IntegerField(allow_null=True)
    candidate_ml = serializers.FloatField()
    baseline_ml = serializers.FloatField(allow_null=True)
    changed = serializers.BooleanField(help_text="Not voxel-identical to the baseline's map.")
    candidate = GradeSerializer(allow_null=True, help_text="The current grade of its map.")
    baseline = GradeSerializer(allow_null=True)
    volume_change = serializers.FloatField(
        allow_null=True, help_text="(V_candidate − V_baseline) / V_baseline."
    )
    incompatible = serializers.BooleanField(
        help_text="Accepted before, and its volume changed by more than 25 %."
    )
    worse = serializers.BooleanField(help_text="Acceptable before, unacceptable now.")
    awaiting = serializers.ListField(
        child=serializers.ChoiceField(choices=["candidate", "baseline"]),
        help_text="The maps of a changed case that still need a grade.",
    )


class GateDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    deployable = serializers.BooleanField()
    compatible = serializers.BooleanField()
    mean_candidate = serializers.FloatField(allow_null=True)
    mean_baseline = serializers.FloatField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    rule = serializers.CharField()
    cases = CaseOutcomeSerializer(many=True)
    hidden_cases = serializers.ListField(
        child=serializers.CharField(),
        help_text="Cases left out of cases and reasons: a reader study hides their AI output "
        "from the user now.",
    )


class ValidationRunSerializer(serializers.ModelSerializer):
    model_version = serializers.PrimaryKeyRelatedField(queryset=ModelVersion.objects.all())
    model_version_name = serializers.CharField(source="model_version", read_only=True)
    dataset_version = serializers.PrimaryKeyRelatedField(
        queryset=DatasetVersion.objects.filter(sealed_at__isnull=False)
    )
    dataset_version_name = serializers.CharField(source="dataset_version", read_only=True)
    baseline = serializers.StringRelatedField(allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ValidationRun
        fields = [
            "id", "model_version", "model_version_name", "dataset_version",
            "dataset_version_name", "baseline", "status", "progress", "message", "error",
            "device", "created_by", "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f not in ("model_version", "dataset_version")]


class ValidationRunDetailSerializer(ValidationRunSerializer):
    gate = GateDecisionSerializer(read_only=True)

    class Meta(ValidationRunSerializer.Meta):
        fields = [*ValidationRunSerializer.Meta.fields, "gate"]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why: kept with the deployment, never changed.")


class RollbackSerializer(ReasonSerializer):
    model_version = serializers.PrimaryKeyRelatedField(
        queryset=ModelVersion.objects.filter(deployed_at__isnull=False),
        help_text="The live version to take back; the version it replaced goes live again.",
    )


class DeploymentSerializer(serializers.ModelSerializer):
    model_version_name = serializers.CharField(source="model_version", read_only=True)
    replaced = serializers.StringRelatedField(allow_null=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    threshold_set = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Deployment
        fields = [
            "id", "model_version", "model_version_name", "action", "run", "replaced",
            "compatibility_group", "decision", "reason", "user", "created_at",
            "threshold_set", "thresholds_note",
        ]  # fmt: skip
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    results = serializers.JSONField(
        help_text="provenance (dataset, model and software versions); cases (per-case "
        "performance and stratum); performance_by_stratum (means with 95 % bootstrap "
        "intervals); calibration (per-patient mean, reliability bins, temperature and Platt "
        "scaling before and after); data_quality (Spearman correlations of the quality "
        "features with performance, BH-adjusted at alpha; PCA by scanner)."
    )

    class Meta:
        model = Evaluation
        fields = ["run", "results", "created_at"]
        read_only_fields = fields
