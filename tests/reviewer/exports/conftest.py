"""A reviewed glioma patient for the export tests: two stored exams with a reference and a model's
BraTS 2020 map each (real NIfTI files), an identity link holding a real name, and a reader with a
real name who graded (then changed their grade), judged a lesion, a false alarm and a survey."""

from dataclasses import dataclass

import numpy as np
import pytest

from imaging.labels import LabelScheme
from reviewer.alarms import verdicts as alarm_verdicts
from reviewer.alarms.models import Alarm
from reviewer.cases.models import IdentityLink, Patient
from reviewer.cases.permissions import grant_patient
from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.studies import surveys
from reviewer.studies.models import SurveyResponse
from segmentation.models import Segmentation
from tests.reviewer.viewer.viewer_builders import SHAPE, model_version, stored_exam
from tests.reviewer.viewer.viewer_builders import stored_segmentation as store
from tests.reviewer.worklist.builders import grade, judge

REAL_NAME = "Dagmar Quellhorst"
REAL_PATIENT_ID = "PID-4711-ZQX"
READER_NAME = ("Ottilie", "Brandwasser")

SURVEY = {
    "questions": [
        {
            "id": "successful",
            "type": "single_choice",
            "text": "Successful?",
            "choices": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
        },
        {"id": "volume_ml", "type": "number", "text": "Volume", "required": False},
    ]
}


def tumour(enhancing: int, oedema: int, necrosis: int) -> np.ndarray:
    """A BraTS 2020 map with the given voxel counts, one connected blob from the corner."""
    labels = np.zeros(SHAPE, dtype=np.uint8)
    flat = labels.reshape(-1)
    flat[:enhancing] = 4
    flat[enhancing : enhancing + oedema] = 2
    flat[enhancing + oedema : enhancing + oedema + necrosis] = 1
    return labels


@dataclass
class Reviewed:
    patient: Patient
    reader: object
    model: Segmentation
    first_grade: Assessment
    second_grade: Assessment
    verdict: LesionVerdict
    response: SurveyResponse


@pytest.fixture
def reviewed(make_user) -> Reviewed:
    patient = Patient.objects.create(pseudonym="NR-EXPORT01", disease="glioma")
    IdentityLink.objects.create(
        patient=patient,
        source="dicom",
        source_patient_id=REAL_PATIENT_ID,
        source_patient_name=REAL_NAME,
        source_birth_date="19580214",
    )
    reader = make_user(
        "radiologist", username="reader-a", first_name=READER_NAME[0], last_name=READER_NAME[1]
    )
    grant_patient(patient, reader)
    version = model_version(kind="node", target="", name="NODE glioma", version="2.1")
    maps = {}
    for order, counts in enumerate([(6, 10, 4), (0, 12, 0)]):
        exam = stored_exam(patient, order)
        store(exam, tumour(*counts), scheme=LabelScheme.BRATS2020)
        maps[order] = store(
            exam,
            tumour(*counts),
            scheme=LabelScheme.BRATS2020,
            source=Segmentation.Source.MODEL,
            model_version=version,
        )
    model = maps[0]
    first = grade(model, reader, acceptable=False, grade=2, reading_time_ms=41000)
    second = grade(model, reader, acceptable=True, grade=4, supersedes=first, comment=REAL_NAME)
    verdict = judge(model, reader, 1, "accepted", reading_time_ms=3500)
    alarm = Alarm.objects.create(
        exam=model.exam, segmentation=model, kind="growth", reason="grew by 30 %"
    )
    alarm_verdicts.record_verdict(user=reader, alarm=alarm, true_alarm=False)
    survey = surveys.create_survey(name="Export check", user=reader)
    published = surveys.add_version(survey=survey, definition=SURVEY, user=reader, publish=True)
    response = surveys.respond(
        version=published,
        respondent=reader,
        subject=model.exam,
        answers={"successful": "yes", "volume_ml": 12.5},
    )
    return Reviewed(patient, reader, model, first, second, verdict, response)
