import pytest

from tests.reviewer.factories import patient_with_exams
from tests.reviewer.worklist.builders import segmentation

TUMOUR = {"enhancing": 2000, "necrosis": 500, "oedema": 7500}


@pytest.fixture
def exams(db):
    """Three exams of patient NR-DATASET, each with an imported reference label."""
    patient = patient_with_exams(exams=3, pseudonym="NR-DATASET")
    exams = list(patient.exams.order_by("order"))
    for exam in exams:
        segmentation(exam, TUMOUR, source="reference")
    return exams
