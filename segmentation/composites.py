"""Composite segmentations: per exam and model family (NODE, U-Net), the family's ET, TC and WT
maps composed into one BraTS label map (segmentation.engine.compose), stored with its lesions and
the three segmentations it was composed from. A composite is what a reader grades and whose
lesions get verdicts; the single-target maps stay as its parts.

A family's part for a target is its deployed model version's segmentation of the exam (the most
recently deployed, when several are; else the newest). A composite, once stored, is kept: it may
carry grades and verdicts. When the exam is segmented again by newly live versions (its priors
re-run after an incompatible update, EASE R-A9.5), the family's parts change and a new composite
replaces the current one; the replaced one stays as history."""

import numpy as np
from django.db import IntegrityError
from django.db.models import F

from imaging.labels import LabelScheme
from imaging.nifti_io import volume_from_array
from reviewer.cases.models import Exam
from reviewer.core.storage import atomic_import, read_nifti
from segmentation import segmentations
from segmentation.engine.compose import compose_targets
from segmentation.engine.targets import TARGET_LABELS, Target
from segmentation.models import ModelVersion, Segmentation

# the database's answer to two workers composing the same family at once
RACES = ("segmentation_segmentation_one_first_composite_per_family", "replaces_id")
FAMILY_OF_KIND = {
    ModelVersion.Kind.NODE: Segmentation.Family.NODE,
    ModelVersion.Kind.UNET: Segmentation.Family.UNET,
}


def compose_exam(exam: Exam) -> list[Segmentation]:
    """Store the composite of each family that has all three targets on this exam, unless its
    current composite was composed of these very parts; returns the composites stored now."""
    current = {
        composite.family: composite
        for composite in Segmentation.objects.current()
        .filter(exam=exam, source=Segmentation.Source.COMPOSITE)
        .prefetch_related("parts")
    }
    stored = []
    for family, parts in family_parts(exam).items():
        if len(parts) < len(Target):
            continue
        replaced = current.get(family)
        if replaced is not None and {p.pk for p in replaced.parts.all()} == {
            p.pk for p in parts.values()
        }:
            continue
        composite = _store_composite(exam, family, parts, replaced)
        if composite is not None:
            stored.append(composite)
    return stored


def family_parts(exam: Exam) -> dict[str, dict[Target, Segmentation]]:
    """family -> target -> the model segmentation of the exam that the composite takes."""
    candidates = (
        Segmentation.objects.filter(
            exam=exam,
            source=Segmentation.Source.MODEL,
            model_version__kind__in=list(FAMILY_OF_KIND),
            target__in=[t.value for t in Target],
        )
        .select_related("model_version")
        # ascending, so that the preferred one comes last and wins below
        .order_by(F("model_version__deployed_at").asc(nulls_first=True), "pk")
    )
    parts: dict[str, dict[Target, Segmentation]] = {}
    for candidate in candidates:
        family = FAMILY_OF_KIND[candidate.model_version.kind]
        parts.setdefault(family, {})[Target(candidate.target)] = candidate
    return parts


def composite_scheme(exam: Exam) -> LabelScheme:
    """The scheme of the exam's reference when it is a glioma scheme (so that the composite and
    the reference compare label for label), BraTS 2023 otherwise."""
    reference = exam.segmentations.filter(source=Segmentation.Source.REFERENCE).first()
    if reference is not None and LabelScheme(reference.label_scheme) in TARGET_LABELS:
        return LabelScheme(reference.label_scheme)
    return LabelScheme.BRATS2023


def _store_composite(
    exam: Exam, family: str, parts: dict[Target, Segmentation], replaced: Segmentation | None
) -> Segmentation | None:
    images = {target: read_nifti(part.file.name) for target, part in parts.items()}
    scheme = composite_scheme(exam)
    labels = compose_targets(
        {target: np.asanyarray(image.dataobj) for target, image in images.items()}, scheme
    )
    name = f"{Segmentation.Family(family).label} composite of exam {exam.order}"
    try:
        with atomic_import() as files:
            return segmentations.add_segmentation(
                exam,
                volume_from_array(labels, images[Target.WT].affine),
                scheme,
                files,
                source_file=name,
                source=Segmentation.Source.COMPOSITE,
                family=family,
                parts=tuple(parts[t] for t in Target),
                replaces=replaced,
            )
    except IntegrityError as error:
        if not any(race in str(error) for race in RACES):
            raise
        return None  # another worker composed this family meanwhile
