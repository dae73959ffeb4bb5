"""The viewer manifest's shape, key by key, as reviewer.viewer.manifest builds it: the API
renders the manifest through ViewerManifestSerializer and publishes it in the OpenAPI schema,
from which the frontend's types are generated (`make api-types`).

The fields read the keys of the manifest's dicts and pass their values through in the same key
order. Fixed-length arrays carry minItems/maxItems and the small ones are schema components, so
that the generated TypeScript has tuples ([number, number, number]) where the manifest has them.
"""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from imaging.sequences import CHANNEL_ORDER
from imaging.voxels import VIEWER_DTYPES
from reviewer.alarms.models import Alarm
from reviewer.cases.models import SequenceChoices
from reviewer.viewer.models import Registration
from reviewer.viewer.registration import ALIGNED, IDENTITY, PENDING
from segmentation.models import LabelSchemeChoices, ModelVersion, Segmentation, TargetChoices


class FixedListField(serializers.ListField):
    """A list of exactly `length` values."""

    length: int

    def __init__(self, **kwargs):
        super().__init__(min_length=self.length, max_length=self.length, **kwargs)


def tuple_field(
    name: str, child: serializers.Field, item: dict, length: int, description: str
) -> type[FixedListField]:
    """A list field of `length` values (`child` handles one, `item` is its schema), published
    once as the schema component `name`."""
    schema = {
        "type": "array",
        "items": item,
        "minItems": length,
        "maxItems": length,
        "description": description,
    }
    field = type(f"{name}Field", (FixedListField,), {"child": child, "length": length})
    return extend_schema_field(schema, component_name=name)(field)


NUMBER = {"type": "number", "format": "double"}
Vec3Field = tuple_field("Vec3", serializers.FloatField(), NUMBER, 3, "x, y, z in LPS millimetres.")
IjkField = tuple_field(
    "Ijk",
    serializers.IntegerField(min_value=0),
    {"type": "integer", "minimum": 0},
    3,
    "Voxel counts or indices along i, j, k.",
)
RgbField = tuple_field(
    "Rgb",
    serializers.IntegerField(min_value=0, max_value=255),
    {"type": "integer", "minimum": 0, "maximum": 255},
    3,
    "Red, green, blue, 0–255.",
)
AccRowField = tuple_field(
    "AccRow",
    serializers.FloatField(allow_null=True),
    {**NUMBER, "nullable": True},
    len(CHANNEL_ORDER),
    "One ACC value per sequence in channel order FLAIR, T1, T1CE, T2; null where undefined.",
)


class VoxelVolumeSerializer(serializers.Serializer):
    """The geometry and bytes of one voxel volume, series or segmentation."""

    id = serializers.IntegerField()
    url = serializers.CharField(help_text="Raw little-endian voxels, content-hash URL.")
    dtype = serializers.ChoiceField(choices=VIEWER_DTYPES)
    dimensions = IjkField(help_text="[columns i, rows j, slices k].")
    spacing = Vec3Field(help_text="mm along i, j, k.")
    origin = Vec3Field(help_text="LPS position of voxel (0, 0, 0).")
    direction = serializers.ListField(
        child=serializers.FloatField(),
        min_length=9,
        max_length=9,
        help_text="Unit i, j and k axes in LPS, one after the other (Cornerstone's layout).",
    )

    def get_fields(self):
        # In the manifest's key order, which the subclass lists in Meta.fields (DRF would put
        # these inherited fields first).
        fields = super().get_fields()
        return {name: fields[name] for name in self.Meta.fields}


VOXEL_VOLUME_FIELDS = ["id", "url", "dtype", "dimensions", "spacing", "origin", "direction"]


class WindowSerializer(serializers.Serializer):
    center = serializers.FloatField()
    width = serializers.FloatField()


class ViewerSeriesSerializer(VoxelVolumeSerializer):
    """One series of an exam: its voxels, geometry and display window."""

    sequence = serializers.ChoiceField(choices=SequenceChoices.choices)
    window = WindowSerializer(help_text="From the 0.5/99.5 percentiles inside the brain.")

    class Meta:
        fields = ["sequence", *VOXEL_VOLUME_FIELDS, "window"]


class AcquiredSeriesSerializer(VoxelVolumeSerializer):
    """A series as the scanner recorded it, on its own grid, placed where co-registration put
    it: shown instead of the series made from it, it lines up with the exam."""

    sequence = serializers.ChoiceField(choices=SequenceChoices.choices)
    window = WindowSerializer(help_text="From the 0.5/99.5 percentiles inside the brain.")
    description = serializers.CharField(
        help_text="Series number, 2D or 3D, plane (not the SeriesDescription, which de-"
        "identification removes)."
    )
    slice_thickness_mm = serializers.FloatField(allow_null=True)

    class Meta:
        fields = [
            "sequence",
            *VOXEL_VOLUME_FIELDS,
            "window",
            "description",
            "slice_thickness_mm",
        ]


class BrainMaskSerializer(VoxelVolumeSerializer):
    """uint8, 1 inside the brain, on the grid of the exam's series."""

    class Meta:
        fields = VOXEL_VOLUME_FIELDS


class PreprocessingFlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["thick_slices", "no_contrast", "field_of_view"])
    sequence = serializers.ChoiceField(choices=SequenceChoices.choices)
    reason = serializers.CharField()


class PreprocessingRejectionSerializer(serializers.Serializer):
    by = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()


class ViewerPreprocessingSerializer(serializers.Serializer):
    """The exam's latest preprocessing run."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed"])
    message = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    parameters = serializers.DictField(child=serializers.JSONField())
    steps = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        help_text="Each step: {step, tool, parameters, seconds, …} when done, {step, skipped} "
        "with the reason when not.",
    )
    flags = PreprocessingFlagSerializer(many=True)
    brain_mask = BrainMaskSerializer(allow_null=True)
    rejection = PreprocessingRejectionSerializer(allow_null=True)


class SegmentationLabelSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    name = serializers.CharField()
    color = RgbField()


class LesionChangeSerializer(serializers.Serializer):
    prior_volume_ml = serializers.FloatField()
    delta_ml = serializers.FloatField()
    delta_percent = serializers.FloatField()


class PriorVolumeSerializer(serializers.Serializer):
    exam = serializers.IntegerField()
    volume_ml = serializers.FloatField(
        allow_null=True, help_text="null where no lesion of that exam matches."
    )


class BuiltListSerializer(serializers.ListSerializer):
    """Renders a list of dicts that the manifest built in this very shape as they are. DRF's
    field-by-field copy costs about 0.1 ms a lesion (a second for 10,000 lesions), the manifest's
    budget is 200 ms, and test_manifest_schema proves the shape (rendered unchanged, and valid on
    input, where the fields still check every value)."""

    def to_representation(self, data):
        return list(data)


class ViewerLesionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    index = serializers.IntegerField(help_text="Component number within its segmentation, 1-based.")
    label = serializers.IntegerField()
    label_name = serializers.CharField()
    volume_ml = serializers.FloatField()
    centroid_mm = Vec3Field(help_text="LPS, in the current exam's space.")
    bbox = serializers.ListField(
        child=IjkField(),
        min_length=2,
        max_length=2,
        help_text="Voxel bounding box [[i0, j0, k0], [i1, j1, k1]], inclusive.",
    )
    change = LesionChangeSerializer(
        allow_null=True,
        help_text="Against the matched lesion of the same source kind in the next older exam; "
        "null without one.",
    )
    prior_volumes = PriorVolumeSerializer(
        many=True,
        help_text="Its volume at each older shown exam that has a segmentation of the same "
        "kind, newest first.",
    )
    new = serializers.BooleanField(
        help_text="No overlapping or nearby lesion in any prior: drawn red."
    )

    class Meta:
        list_serializer_class = BuiltListSerializer


class SegmentationFlowSerializer(serializers.Serializer):
    """The exam's ACC curves: one row per stage."""

    stages = serializers.ListField(child=serializers.FloatField())
    acc_mean = serializers.ListField(child=AccRowField())
    acc_sd = serializers.ListField(child=AccRowField())
    slices = serializers.IntegerField(
        help_text="How many slices the exam's ACC was accumulated over."
    )
    gamma_share = serializers.ListField(
        child=AccRowField(),
        allow_null=True,
        help_text="Per stage and sequence, |η ∩ γ| / |γ|: the share of the final segmentation "
        "γ the sequence marks, averaged over the slices; null on curves stored before it was "
        "computed (a re-run of the ACC curves fills it).",
    )
    background_share = serializers.ListField(
        child=AccRowField(),
        allow_null=True,
        help_text="Per stage and sequence, |η ∖ γ| / |¬γ|: the share of the slice outside γ "
        "the sequence marks, averaged over the slices; null as gamma_share.",
    )


class SegmentationModelVersionSerializer(serializers.Serializer):
    name = serializers.CharField()
    live = serializers.BooleanField(help_text="Whether inference runs with it now.")
    compatibility_group = serializers.IntegerField(
        allow_null=True,
        help_text="Versions of one lineage in one group have comparable volumes; null for a "
        "version never live.",
    )


class ViewerSegmentationSerializer(VoxelVolumeSerializer):
    """A label map on an exam's grid, with its source, labels, lesions and flow. Per exam, each
    model family's AI result is one composite (source "composite"); its single-target maps
    follow as its parts (part_of), without lesions."""

    source = serializers.ChoiceField(choices=Segmentation.Source.choices)
    name = serializers.CharField(
        help_text='Model version, reader name, the family of a composite, or "Reference".'
    )
    kind = serializers.ChoiceField(
        choices=ModelVersion.Kind.choices,
        allow_blank=True,
        help_text="The model's kind; a composite's family.",
    )
    target = serializers.ChoiceField(
        choices=TargetChoices.choices, allow_blank=True, help_text='"" for a full label map.'
    )
    label_scheme = serializers.ChoiceField(choices=LabelSchemeChoices.choices)
    labels = SegmentationLabelSerializer(many=True)
    family = serializers.ChoiceField(
        choices=Segmentation.Family.choices,
        allow_blank=True,
        help_text='A composite\'s model family; "" for any other segmentation.',
    )
    parts = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="A composite's ET, TC and WT segmentations (ids); [] for any other.",
    )
    part_of = serializers.IntegerField(
        allow_null=True,
        help_text="The composite this single-target map is a part of; its lesions are the "
        "composite's, so none are listed here.",
    )
    minimum_lesion_ml = serializers.FloatField(
        allow_null=True,
        help_text="Components smaller than this are not lesions (null: every one is).",
    )
    lesion_count = serializers.IntegerField(
        help_text="Components at or above the minimum volume (listed below unless a part)."
    )
    below_minimum_count = serializers.IntegerField(
        help_text="Components below the minimum volume: not listed here, listed by "
        "/api/segmentations/{id}/lesions/?below_minimum=true."
    )
    lesions = ViewerLesionSerializer(
        many=True, help_text="The lesions, largest first; none below the minimum, none of a part."
    )
    flow = SegmentationFlowSerializer(
        allow_null=True, help_text="Only NODE segmentations have a flow."
    )
    model_versions = SegmentationModelVersionSerializer(
        many=True, help_text="The model versions that made it (a composite's parts'); [] else."
    )
    comparability = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why its volumes cannot be compared with a shown prior's result of the same "
        "AI: model versions of different compatibility groups (EASE R-A9.5). Only the current "
        "exam's AI results carry warnings.",
    )

    class Meta:
        fields = [
            "source",
            "name",
            "kind",
            "target",
            "label_scheme",
            *VOXEL_VOLUME_FIELDS,
            "labels",
            "family",
            "parts",
            "part_of",
            "minimum_lesion_ml",
            "lesion_count",
            "below_minimum_count",
            "lesions",
            "flow",
            "model_versions",
            "comparability",
        ]


class RegistrationStatusSerializer(serializers.Serializer):
    """A prior shown as it is: the current exam itself (identity), on its grid (aligned), or
    not registered yet (pending)."""

    status = serializers.CharField()


class RegistrationMatrixSerializer(serializers.Serializer):
    """A registered prior: origins, directions and centroids are already moved by `matrix`."""

    status = serializers.CharField()
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="4x4, LPS mm, from the prior's world to the current exam's.",
    )
    metric = serializers.FloatField(allow_null=True, help_text="Final Mattes MI, lower is better.")


class RegistrationFailureSerializer(serializers.Serializer):
    status = serializers.CharField()
    error = serializers.CharField()


REGISTRATION_BY_STATUS = {
    IDENTITY.status: RegistrationStatusSerializer,
    ALIGNED.status: RegistrationStatusSerializer,
    PENDING.status: RegistrationStatusSerializer,
    Registration.Status.REGISTERED.value: RegistrationMatrixSerializer,
    Registration.Status.FAILED.value: RegistrationFailureSerializer,
}


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="Registration",
        serializers=REGISTRATION_BY_STATUS,
        resource_type_field_name="status",
    )
)
class RegistrationField(serializers.Field):
    """How a prior was put into the current exam's space, in the shape its status has."""

    def to_representation(self, value: dict) -> dict:
        return REGISTRATION_BY_STATUS[value["status"]](value).data

    def to_internal_value(self, data) -> dict:
        status = data.get("status") if isinstance(data, dict) else None
        if status not in REGISTRATION_BY_STATUS:
            raise serializers.ValidationError(
                f"status: expected one of {', '.join(REGISTRATION_BY_STATUS)}, got {status!r}"
            )
        registration = REGISTRATION_BY_STATUS[status](data=data)
        registration.is_valid(raise_exception=True)
        return registration.validated_data


class ViewerExamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    date = serializers.DateField(
        allow_null=True, help_text="null for an undated exam (BraTS folders carry no dates)."
    )
    role = serializers.ChoiceField(choices=["current", "prior"])
    registration = RegistrationField()
    series = ViewerSeriesSerializer(many=True, help_text="In channel order; an exam may lack some.")
    acquired_series = AcquiredSeriesSerializer(
        many=True, help_text="A clinical exam's originals; none for a BraTS folder's exam."
    )
    preprocessing = ViewerPreprocessingSerializer(allow_null=True)
    segmentations = ViewerSegmentationSerializer(many=True)


class CohortAccSerializer(serializers.Serializer):
    """Mean ± SD over the cohort's NODE exam ACC curves on their most common stages."""

    stages = serializers.ListField(child=serializers.FloatField())
    mean = serializers.ListField(child=AccRowField())
    sd = serializers.ListField(child=AccRowField())
    exams = serializers.IntegerField()


class CohortAccByTargetSerializer(serializers.Serializer):
    """A target is present when the cohort has NODE flows for it."""

    ET = CohortAccSerializer(required=False)
    TC = CohortAccSerializer(required=False)
    WT = CohortAccSerializer(required=False)


class ViewerAlarmSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    exam = serializers.IntegerField()
    segmentation = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=Alarm.Kind.choices)
    kind_display = serializers.CharField()
    reason = serializers.CharField()
    evidence = serializers.DictField(child=serializers.JSONField())
    raised_at = serializers.DateTimeField()


class ViewerSocketsSerializer(serializers.Serializer):
    """Server paths of the WebSockets (not absolute URLs)."""

    alarms = serializers.CharField()
    flow = serializers.CharField()


class ViewerManifestSerializer(serializers.Serializer):
    """The exam viewer's manifest. Geometry is in Cornerstone's LPS world; voxel bytes are in
    NIfTI order (i fastest)."""

    patient = serializers.CharField()
    current_exam = serializers.IntegerField()
    exams = ViewerExamSerializer(
        many=True, help_text="The current exam first, then up to two priors, newest first."
    )
    cohort_acc = CohortAccByTargetSerializer()
    alarms = ViewerAlarmSerializer(many=True, help_text="Open alarms of the shown exams.")
    new_lesion_color = RgbField()
    sockets = ViewerSocketsSerializer()
