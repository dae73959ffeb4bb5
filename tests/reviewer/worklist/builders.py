"""Segmentation rows with lesions of chosen composition, without label files: the worklist and
the reports read rows only. Volumes follow from voxel counts at VOXEL_ML."""

import hashlib
import itertools

from reviewer.grading import services as grading
from segmentation.models import Lesion, ModelVersion, Segmentation

VOXEL_ML = 0.001  # 1 mm³ voxels
BRATS2023 = {"necrosis": 1, "oedema": 2, "enhancing": 3}
_files = itertools.count()


def model_version(name: str, version: str = "1.0", target: str = "WT", kind: str = "node"):
    return ModelVersion.objects.create(
        name=name,
        version=version,
        kind=kind,
        target=target,
        sha256=hashlib.sha256(f"{name} {version}".encode()).hexdigest(),
    )


def segmentation(exam, *components, below=(), minimum_ml=None, **fields) -> Segmentation:
    """A segmentation of `exam` whose lesions are `components`, each {region: voxels} in the
    BraTS 2023 scheme, largest first; `below` are components under the minimum volume."""
    fields.setdefault("label_scheme", "brats2023")
    number = next(_files)
    made = Segmentation.objects.create(
        exam=exam,
        file=f"segmentations/{number:064d}.nii.gz",
        sha256=f"{number:064d}",
        minimum_lesion_ml=minimum_ml,
        **fields,
    )
    rows = [(c, False) for c in components] + [(c, True) for c in below]
    Lesion.objects.bulk_create(
        Lesion(
            segmentation=made,
            index=index,
            label=BRATS2023[max(regions, key=regions.get)],
            label_voxels={str(BRATS2023[r]): v for r, v in regions.items()},
            voxel_count=sum(regions.values()),
            volume_ml=sum(regions.values()) * VOXEL_ML,
            centroid_mm=[0.0, 0.0, float(index)],
            bbox=[[0, 0, index], [1, 1, index]],
            below_minimum=is_below,
        )
        for index, (regions, is_below) in enumerate(rows, start=1)
    )
    return made


def composite(exam, *components, family="node", parts=(), **fields) -> Segmentation:
    made = segmentation(exam, *components, source="composite", family=family, **fields)
    made.parts.set(parts)
    return made


def grade(segmentation, reader, *, acceptable=True, grade=4, **fields):
    return grading.record_assessment(
        user=reader, segmentation=segmentation, acceptable=acceptable, grade=grade, **fields
    )


def judge(segmentation, reader, index: int, decision: str, **fields):
    return grading.record_verdict(
        user=reader,
        segmentation=segmentation,
        decision=decision,
        lesion=segmentation.lesions.get(index=index),
        **fields,
    )


def add_missed(segmentation, reader):
    return grading.record_verdict(
        user=reader, segmentation=segmentation, decision="added", centre_mm=[1.0, 2.0, 3.0]
    )
