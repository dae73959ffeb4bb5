from rest_framework import serializers

from segmentation.models import Lesion, Segmentation


class LesionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesion
        fields = [
            "id",
            "index",
            "label",
            "label_voxels",
            "voxel_count",
            "volume_ml",
            "centroid_mm",
            "bbox",
            "below_minimum",
        ]


class SegmentationSerializer(serializers.ModelSerializer):
    lesions = LesionSerializer(
        many=True, read_only=True, help_text="Its lesions: the components at or above the minimum."
    )
    below_minimum_count = serializers.IntegerField(
        read_only=True,
        help_text="Components below minimum_lesion_ml: GET lesions/?below_minimum=true lists them.",
    )
    model_version = serializers.StringRelatedField(allow_null=True)  # none: a reference
    reader = serializers.StringRelatedField(allow_null=True)  # none: a model's

    class Meta:
        model = Segmentation
        fields = [
            "id",
            "exam",
            "source",
            "model_version",
            "reader",
            "family",
            "parts",
            "label_scheme",
            "sha256",
            "created_at",
            "minimum_lesion_ml",
            "below_minimum_count",
            "lesions",
        ]
        read_only_fields = ["parts"]


class LesionQuery(serializers.Serializer):
    below_minimum = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: the components below the segmentation's minimum volume instead of its "
        "lesions",
    )
