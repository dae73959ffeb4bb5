"""Segmentation rows as the alarm rules read them: composites (one per exam and model family, BraTS
labels) and new-lesion detections (a model version of kind subtraction), with Lesion rows of
given volumes. The rules read rows only, so no label map file is stored here
(test_clinical_cohort stores real ones)."""

import hashlib
import itertools

from reviewer.alarms.models import Alarm, RuleConfiguration
from reviewer.alarms.sync import Finding, sync_alarms
from segmentation.models import Lesion, ModelVersion, Segmentation

_files = itertools.count()


def _segmentation(exam, **fields) -> Segmentation:
    number = next(_files)
    return Segmentation.objects.create(
        exam=exam,
        file=f"segmentations/alarm-test-{number}.nii.gz",
        sha256=hashlib.sha256(str(number).encode()).hexdigest(),
        **fields,
    )


def composite(exam, *, family="node", scheme="brats2020", minimum_lesion_ml=0.1) -> Segmentation:
    return _segmentation(
        exam, source="composite", family=family, label_scheme=scheme,
        minimum_lesion_ml=minimum_lesion_ml,
    )  # fmt: skip


def subtraction_version() -> ModelVersion:
    version, _ = ModelVersion.objects.get_or_create(
        name="MS new lesions",
        version="test",
        defaults={
            "kind": ModelVersion.Kind.SUBTRACTION,
            "disease": "ms",
            "sha256": hashlib.sha256(b"subtraction test").hexdigest(),
        },
    )
    return version


def detection(exam, *, minimum_lesion_ml=0.003) -> Segmentation:
    """The exam's new-lesion detection (its lesions are the exam's new lesions)."""
    return _segmentation(
        exam, source="model", model_version=subtraction_version(), label_scheme="lesion",
        minimum_lesion_ml=minimum_lesion_ml,
    )  # fmt: skip


def add_lesion(segmentation, *, label_ml: dict[int, float], voxel_ml=0.001, below_minimum=None):
    """A lesion whose composition is ``label_ml`` (label → mL) on voxels of ``voxel_ml``."""
    label_voxels = {str(label): round(ml / voxel_ml) for label, ml in label_ml.items()}
    voxels = sum(label_voxels.values())
    index = segmentation.lesions.count() + 1
    minimum = segmentation.minimum_lesion_ml
    return Lesion.objects.create(
        segmentation=segmentation,
        index=index,
        label=int(max(label_voxels, key=label_voxels.get)),
        label_voxels=label_voxels,
        voxel_count=voxels,
        volume_ml=voxels * voxel_ml,
        centroid_mm=[float(index), 0.0, 0.0],
        bbox=[[0, 0, 0], [1, 1, 1]],
        below_minimum=below_minimum
        if below_minimum is not None
        else (minimum is not None and voxels * voxel_ml < minimum),
    )


def tumour(exam, whole_ml: float, *, family="node") -> Segmentation:
    """A composite with one BraTS 2020 tumour of ``whole_ml``: half oedema, a quarter each of
    necrosis and enhancing tumour."""
    segmentation = composite(exam, family=family)
    add_lesion(segmentation, label_ml={1: whole_ml / 4, 2: whole_ml / 2, 4: whole_ml / 4})
    return segmentation


def rules_version(**changes):
    """The next version of the clinical rules: the current one with ``changes``."""
    current = RuleConfiguration.objects.current()
    kept = {
        field.name: getattr(current, field.name)
        for field in RuleConfiguration._meta.fields
        if field.name not in ("id", "version", "created_by", "created_at", "note")
    }
    return RuleConfiguration.objects.create(
        **{**kept, **changes}, version=current.version + 1, note="a test's version"
    )


def candidate(name: str) -> ModelVersion:
    """An ensemble member (a single-target glioma model version)."""
    return ModelVersion.objects.create(
        name=name,
        version="test",
        kind=ModelVersion.Kind.UNET,
        target="WT",
        sha256=hashlib.sha256(name.encode()).hexdigest(),
    )


def raise_unreliable(exam, reason: str, *, evidence=None, segmentation_id=None) -> Alarm:
    """An unreliable-output alarm raised as the ensemble raises one, beside the exam's open ones
    of that kind; like every raise it is pushed to the case's alarm sockets."""
    standing = [
        Finding(a.kind, a.key, a.segmentation_id, a.reason, a.evidence)
        for a in Alarm.objects.open().filter(exam=exam, kind=Alarm.Kind.UNRELIABLE)
    ]
    finding = Finding(
        Alarm.Kind.UNRELIABLE, reason, segmentation_id, reason, evidence or {"metric": "dice"}
    )
    sync_alarms(exam.pk, [*standing, finding], kinds=[Alarm.Kind.UNRELIABLE])
    return Alarm.objects.open().get(exam=exam, key=reason)


def clear_alarm(alarm: Alarm) -> None:
    """The alarm's finding is gone on a new evaluation: it is cleared (and pushed)."""
    standing = Alarm.objects.open().filter(exam_id=alarm.exam_id, kind=alarm.kind)
    findings = [
        Finding(a.kind, a.key, a.segmentation_id, a.reason, a.evidence)
        for a in standing
        if a.pk != alarm.pk
    ]
    sync_alarms(alarm.exam_id, findings, kinds=[alarm.kind])
