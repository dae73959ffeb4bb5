"""Assessments and lesion verdicts of segmentations, and the three-exam volume diagnosis with its
second opinion and consensus: every table append-only."""

from reviewer.grading.models.assessments import Assessment, AssessmentQuerySet, LesionVerdict
from reviewer.grading.models.volume_diagnoses import (
    Consensus,
    Diagnosis,
    SecondOpinion,
    Stage,
    VolumeDiagnosis,
    VolumeDiagnosisQuerySet,
)

__all__ = [
    "Assessment",
    "AssessmentQuerySet",
    "Consensus",
    "Diagnosis",
    "LesionVerdict",
    "SecondOpinion",
    "Stage",
    "VolumeDiagnosis",
    "VolumeDiagnosisQuerySet",
]
