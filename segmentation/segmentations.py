"""Storing a segmentation: a label map checked against its scheme, with its lesions measured.
Callers (imports, inference, composites) run it inside storage.atomic_import().

Every component is stored; those smaller than the scheme's minimum lesion volume (the setting
NEUROREVIEW_MINIMUM_LESION_ML) are stored with below_minimum set and the minimum kept on the
segmentation, so that they are counted and can be listed, never lost."""

import numpy as np
from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from imaging.errors import ImagingInputError
from imaging.labels import LabelScheme, invalid_labels
from imaging.nifti_io import Volume, volume_from_array
from reviewer.cases.models import Exam
from reviewer.core.storage import ImportFiles
from segmentation.engine.lesions import find_lesions
from segmentation.models import Lesion, Segmentation


def minimum_lesion_ml(scheme: LabelScheme | str) -> float | None:
    """The scheme's minimum lesion volume in mL; None (every component a lesion) when unset."""
    return settings.NEUROREVIEW_MINIMUM_LESION_ML.get(LabelScheme(scheme).value)


def listed_lesions(*, below_minimum: bool = False) -> QuerySet:
    """The lesions (or, below_minimum, the components below the minimum), by index."""
    # `__in`, not `=`: Django writes below_minimum=False as "NOT below_minimum", which SQLite
    # (the embedded database) cannot look up in the (segmentation, below_minimum, index) index,
    # and it then reads every component of a noisy map.
    return Lesion.objects.filter(below_minimum__in=[below_minimum]).order_by("index")


def with_lesion_counts(segmentations: QuerySet) -> QuerySet:
    """The segmentations annotated with lesion_count and below_minimum_count. Lesion indices run
    1..n over all components (add_segmentation), so the last index counts them with one index
    lookup: a map of 10,000 specks is counted without reading them."""
    components = Subquery(
        Lesion.objects.filter(segmentation=OuterRef("pk")).order_by("-index").values("index")[:1]
    )
    lesions = Subquery(
        listed_lesions()
        .filter(segmentation=OuterRef("pk"))
        .order_by()
        .values("segmentation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return segmentations.annotate(
        lesion_count=Coalesce(lesions, 0),
        below_minimum_count=Coalesce(components, 0) - Coalesce(lesions, 0),
    )


def add_segmentation(
    exam: Exam,
    volume: Volume,
    scheme: LabelScheme,
    files: ImportFiles,
    *,
    source_file: str,
    source: str = Segmentation.Source.REFERENCE,
    model_version=None,
    reader=None,
    target: str = "",
    family: str = "",
    parts: tuple[Segmentation, ...] = (),
    replaces: Segmentation | None = None,
) -> Segmentation:
    """Store a label map (checked against its scheme) and measure its lesions; a composite names
    its family, the segmentations it was composed from and the composite it replaces, a
    reader-drawn map its reader."""
    labels = np.asarray(volume.array())
    if not np.array_equal(labels, np.round(labels)) or labels.min() < 0:
        raise ImagingInputError(source_file, "a label map must hold non-negative integers")
    labels = labels.astype(np.uint8) if labels.max() < 256 else labels.astype(np.int32)
    unexpected = invalid_labels(np.unique(labels), scheme)
    if unexpected:
        raise ImagingInputError(
            source_file, f"labels {sorted(unexpected)} are not defined in the {scheme} scheme"
        )

    label_volume = volume_from_array(labels, volume.affine)
    stored = files.store(label_volume.to_bytes(), folder="segmentations", suffix=".nii.gz")
    minimum = minimum_lesion_ml(scheme)
    segmentation = Segmentation.objects.create(
        exam=exam,
        source=source,
        model_version=model_version,
        reader=reader,
        target=target,
        family=family,
        replaces=replaces,
        label_scheme=scheme.value,
        minimum_lesion_ml=minimum,
        file=stored.name,
        sha256=stored.sha256,
    )
    if parts:
        segmentation.parts.set(parts)
    Lesion.objects.bulk_create(
        (
            Lesion(
                segmentation=segmentation,
                index=m.index,
                label=m.label,
                label_voxels={str(k): v for k, v in m.label_voxels.items()},
                voxel_count=m.voxel_count,
                volume_ml=m.volume_ml,
                centroid_mm=list(m.centroid_mm),
                bbox=[list(m.bbox[0]), list(m.bbox[1])],
                below_minimum=m.below_minimum,
            )
            for m in find_lesions(labels, volume.affine, minimum)
        ),
        batch_size=2000,
    )
    return segmentation
