"""Cases with real stored NIfTI volumes, built through the import services, for the viewer's
tests: small skull-stripped-like series (zero outside a "brain" box) and label maps."""

import datetime
import hashlib

import numpy as np

from imaging.labels import LabelScheme
from imaging.nifti_io import volume_from_array
from imaging.sequences import Sequence
from reviewer.cases import services as cases
from reviewer.cases.models import Exam, Patient
from reviewer.core.storage import atomic_import
from segmentation import segmentations
from segmentation.models import ModelVersion, Segmentation

SHAPE = (12, 10, 8)
# 1.5 mm in-plane, 2 mm slices, shifted: nothing about the geometry is trivially the identity
AFFINE = np.array(
    [[1.5, 0, 0, -9.0], [0, 1.5, 0, -7.5], [0, 0, 2.0, -8.0], [0, 0, 0, 1]], dtype=float
)


def brain_series(seed: int, shape=SHAPE, dtype=np.int16) -> np.ndarray:
    """Zero background around a box of positive intensities that differ per seed."""
    rng = np.random.default_rng(seed)
    array = np.zeros(shape, dtype=dtype)
    array[2:-2, 2:-2, 1:-1] = rng.integers(50, 1200, size=array[2:-2, 2:-2, 1:-1].shape)
    return array


def stored_exam(
    patient: Patient,
    order: int,
    *,
    affine=AFFINE,
    shape=SHAPE,
    sequences=tuple(Sequence),
) -> Exam:
    exam = Exam.objects.create(
        patient=patient,
        order=order,
        date=datetime.date(2024, 1, 1) + datetime.timedelta(days=90 * order),
        source_name=f"exam-{order}",
    )
    with atomic_import() as files:
        for rank, sequence in enumerate(sequences):
            volume = volume_from_array(brain_series(1000 * order + rank, shape), affine)
            cases.add_series(exam, Sequence(sequence), volume, files)
    return exam


def stored_segmentation(
    exam: Exam,
    labels: np.ndarray,
    *,
    affine=AFFINE,
    scheme=LabelScheme.LESION,
    source=Segmentation.Source.REFERENCE,
    model_version=None,
    target="",
) -> Segmentation:
    with atomic_import() as files:
        return segmentations.add_segmentation(
            exam,
            volume_from_array(labels.astype(np.uint8), affine),
            scheme,
            files,
            source_file="test label map",
            source=source,
            model_version=model_version,
            target=target,
        )


def lesion_map(*boxes, shape=SHAPE) -> np.ndarray:
    """A binary label map with one lesion per (slice, slice, slice) box."""
    labels = np.zeros(shape, dtype=np.uint8)
    for box in boxes:
        labels[box] = 1
    return labels


def model_version(kind="node", target="WT", name=None, version="1.0") -> ModelVersion:
    name = name or f"{kind.upper()} {target}"
    return ModelVersion.objects.create(
        name=name,
        version=version,
        kind=kind,
        target=target,
        sha256=hashlib.sha256(f"{name} {version}".encode()).hexdigest(),
    )
