"""What the contract test's requests meet: a glioma patient with three exams, segmentations,
lesions and alarms, visible to a radiologist who holds an API token."""

import dataclasses
from pathlib import Path

from rest_framework.authtoken.models import Token

from reviewer.cases.permissions import grant_patient
from reviewer.core.models import User
from tests.reviewer.grading.builders import composites, glioma_patient

API_SCHEMA = Path(__file__).resolve().parents[2] / "frontend" / "src" / "types" / "openapi.json"


@dataclasses.dataclass(frozen=True)
class PopulatedApi:
    token: str


def populated_api() -> PopulatedApi:
    reader = User.objects.create_user(username="contract-reader", role="radiologist")
    patient = glioma_patient()
    composites(patient)
    grant_patient(patient, reader)
    return PopulatedApi(token=Token.objects.create(user=reader).key)
