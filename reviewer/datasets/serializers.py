from rest_framework import serializers

from reviewer.datasets.models import DatasetVersion, ReferenceDataset


class ReferenceDatasetSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    latest_version = serializers.SerializerMethodField()

    class Meta:
        model = ReferenceDataset
        fields = ["id", "name", "description", "created_by", "created_at", "latest_version"]
        read_only_fields = ["id", "created_by", "created_at", "latest_version"]

    def get_latest_version(self, dataset) -> int | None:
        latest = dataset.versions.order_by("-number").first()
        return latest.number if latest else None


class ManifestEntrySerializer(serializers.Serializer):
    case = serializers.CharField(help_text="pseudonym/exam order")
    series = serializers.DictField(child=serializers.CharField(), help_text="sequence -> sha256")
    label = serializers.CharField(help_text="sha256 of the reference label")


class DatasetVersionSerializer(serializers.ModelSerializer):
    dataset = serializers.SlugRelatedField(slug_field="name", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    cases = serializers.IntegerField(source="cases.count", read_only=True)

    class Meta:
        model = DatasetVersion
        fields = [
            "id", "dataset", "number", "sha256", "note", "cases", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class DatasetVersionDetailSerializer(DatasetVersionSerializer):
    manifest = ManifestEntrySerializer(many=True, read_only=True)

    class Meta(DatasetVersionSerializer.Meta):
        fields = [*DatasetVersionSerializer.Meta.fields, "manifest"]
        read_only_fields = fields


class NewVersionSerializer(serializers.Serializer):
    exams = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)
    labels = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="readers' segmentations that replace an exam's reference label",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    relabelled = serializers.ListField(child=serializers.CharField())
    reimaged = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.BooleanField()
