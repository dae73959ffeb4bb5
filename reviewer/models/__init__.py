from reviewer.models.accounts import Role, User
from reviewer.models.alarms import Alarm
from reviewer.models.cases import (
    Exam,
    IdentityLink,
    Patient,
    PatientGroupObjectPermission,
    PatientUserObjectPermission,
    Series,
)
from reviewer.models.imports import ImportJob
from reviewer.models.segmentations import Lesion, Segmentation

__all__ = [
    "Alarm",
    "Exam",
    "IdentityLink",
    "ImportJob",
    "Lesion",
    "Patient",
    "PatientGroupObjectPermission",
    "PatientUserObjectPermission",
    "Role",
    "Segmentation",
    "Series",
    "User",
]
