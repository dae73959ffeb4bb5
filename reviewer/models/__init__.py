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
from reviewer.models.registrations import Registration
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
    "Registration",
    "Role",
    "Segmentation",
    "Series",
    "User",
]
