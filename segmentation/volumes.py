"""The volume of each label of a segmentation, summed from its components' label composition
(Lesion.label_voxels) in the database: one grouped query, whatever the number of components
(a map of specks has tens of thousands), and no label file opened. Grading's region volumes and
the alarms' growth rule both measure from here."""

from django.db.models import F, FloatField, Func, IntegerField, Sum
from django.db.models.functions import Coalesce

from imaging.labels import LABELS
from segmentation.models import Lesion

# every label value any scheme defines: the keys a component's composition may hold
LABEL_VALUES = sorted({value for names in LABELS.values() for value in names})


class _LabelVoxels(Func):
    """A component's voxel count of one label value. The composition's keys are digits, which
    Django's JSON key transform would read as an array index on PostgreSQL; `label` is one of
    LABEL_VALUES, never user input, so it may be written into the SQL."""

    output_field = IntegerField()

    def __init__(self, label: int):
        self.label = int(label)
        super().__init__(F("label_voxels"))

    def as_postgresql(self, compiler, connection, **extra):
        template = f"CAST(jsonb_extract_path_text(%(expressions)s, '{self.label}') AS integer)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        template = f"CAST(json_extract(%(expressions)s, '$.\"{self.label}\"') AS integer)"
        return self.as_sql(compiler, connection, template=template, **extra)


def label_volumes(segmentations, *, listed_only: bool = False) -> dict[int, dict[int, float]]:
    """Per segmentation pk, the volume in mL of each label value present; with `listed_only`,
    of its lesions alone (the components at or above the minimum volume)."""
    pks = [s.pk for s in segmentations]
    components = Lesion.objects.filter(segmentation__in=pks)
    if listed_only:
        components = components.filter(below_minimum=False)
    voxels_of = {f"label_{value}": Coalesce(Sum(_LabelVoxels(value)), 0) for value in LABEL_VALUES}
    rows = (
        components.order_by()
        .values("segmentation_id")
        .annotate(
            voxels=Sum("voxel_count"),
            ml=Sum("volume_ml", output_field=FloatField()),
            **voxels_of,
        )
    )
    volumes: dict[int, dict[int, float]] = {pk: {} for pk in pks}
    for row in rows:
        voxel_ml = row["ml"] / row["voxels"]
        volumes[row["segmentation_id"]] = {
            value: row[f"label_{value}"] * voxel_ml
            for value in LABEL_VALUES
            if row[f"label_{value}"]
        }
    return volumes
