from rest_framework import serializers

from segmentation.models import Lesion, Segmentation


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
