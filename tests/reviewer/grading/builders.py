"""A glioma patient with three exams, each with NODE and U-Net composite segmentations built
from rows (tests.reviewer.worklist.builders), and the calls of the volume diagnosis API."""

from reviewer.cases.permissions import grant_patient
from tests.reviewer.factories import patient_with_exams
from tests.reviewer.worklist.builders import composite, grade

# voxels per region (1 voxel = 1 mm³): the tumour grows from t−2 to t
TUMOURS = (
    {"enhancing": 3000, "necrosis": 1000, "oedema": 8000},  # t: 12 mL
    {"enhancing": 2000, "necrosis": 1000, "oedema": 7000},  # t−1: 10 mL
    {"enhancing": 1000, "necrosis": 1000, "oedema": 6000},  # t−2: 8 mL
)


def glioma_patient(exams: int = 3, **fields):
    return patient_with_exams(exams=exams, sequences=(), disease="glioma", **fields)


def composites(patient, family: str = "node") -> list:
    """One composite per exam, the latest exam first (t, t−1, t−2, …)."""
    exams = list(patient.exams.order_by("-order"))
    return [
        composite(exam, TUMOURS[min(i, len(TUMOURS) - 1)], family=family)
        for i, exam in enumerate(exams)
    ]


def accept_all(segmentations, reader) -> None:
    for segmentation in segmentations:
        grade(segmentation, reader, acceptable=True, grade=4)


def radiologist(make_user, patient, username: str):
    user = make_user("radiologist", username=username)
    grant_patient(patient, user)
    return user


def sheet_url(exam) -> str:
    return f"/api/exams/{exam.pk}/volume-diagnosis/"


def opinion_url(diagnosis_pk: int) -> str:
    return f"/api/volume-diagnoses/{diagnosis_pk}/second-opinion/"


def consensus_url(diagnosis_pk: int) -> str:
    return f"/api/volume-diagnoses/{diagnosis_pk}/consensus/"


def post(client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")
