"""Model versions, inference jobs, segmentations (label maps) with their lesions, and the ACC
curves of NODE segmentations: one module per aggregate."""

from segmentation.models.acc_curves import AccCurves
from segmentation.models.choices import TargetChoices
from segmentation.models.inference_jobs import InferenceJob
from segmentation.models.model_versions import ModelVersion, ModelVersionQuerySet
from segmentation.models.segmentations import LabelSchemeChoices, Lesion, Segmentation

__all__ = [
    "AccCurves",
    "InferenceJob",
    "LabelSchemeChoices",
    "Lesion",
    "ModelVersion",
    "ModelVersionQuerySet",
    "Segmentation",
    "TargetChoices",
]
