"""What the contract tests' requests meet: a glioma patient with three exams, composite
segmentations with lesions, an assessment, a lesion verdict, an alarm with a verdict, a threshold
set, an import job, an inference job, a preprocessing run, a reference dataset with two
versions, a validation run on it with an evaluation, a deployment, and the built-in EASE survey
with the reader's response about the patient, an ended reader study both users read in (every
GET of one object has one to read); a radiologist who may see the patient and a data steward,
each with an API token; and, per path of the schema, the ids of these real objects and the
query some reads need."""

import dataclasses
from pathlib import Path

from rest_framework.authtoken.models import Token

from reviewer.alarms.models import Alarm, ThresholdSet
from reviewer.alarms.verdicts import record_verdict as judge_alarm
from reviewer.cases.permissions import grant_patient
from reviewer.core.models import User
from reviewer.datasets.models import ReferenceDataset
from reviewer.datasets.versions import create_version
from reviewer.imports.models import ImportJob
from reviewer.preprocessing.services import record_prepared
from reviewer.studies import design
from reviewer.studies.models import Survey
from reviewer.studies.surveys import respond
from reviewer.validation.deployment import install
from reviewer.validation.models import Evaluation, ValidationRun
from segmentation.models import InferenceJob
from tests.reviewer.grading.builders import composites, glioma_patient
from tests.reviewer.worklist.builders import grade, judge, model_version, segmentation

API_SCHEMA = Path(__file__).resolve().parents[2] / "frontend" / "src" / "types" / "openapi.json"


@dataclasses.dataclass(frozen=True)
class PopulatedApi:
    reader_token: str
    steward_token: str
    path_parameters: dict[str, dict]  # schema path → its parameters' values
    query_parameters: dict[str, dict]  # schema path → the query it needs to read its object


def populated_api() -> PopulatedApi:
    reader = User.objects.create_user(username="contract-reader", role="radiologist")
    steward = User.objects.create_user(username="contract-steward", role="admin")
    patient = glioma_patient()
    grant_patient(patient, reader)
    latest, *_ = composites(patient)
    grade(latest, reader)
    judge(latest, reader, 1, "accepted")
    exam = latest.exam
    alarm = Alarm.objects.create(
        exam=exam, segmentation=latest, kind=Alarm.Kind.GROWTH, reason="WT grew 40 %", evidence={}
    )
    judge_alarm(user=reader, alarm=alarm, true_alarm=True)
    thresholds = ThresholdSet.objects.create(cohort="contract", created_by=steward)
    version = model_version("contract-unet", kind="unet")
    imported = ImportJob.objects.create(
        kind="brats", upload="none.zip", upload_name="c.zip", created_by=steward
    )
    inference = InferenceJob.objects.create(patient=patient, created_by=reader)
    preprocessing = record_prepared(exam, "contract")
    dataset = ReferenceDataset.objects.create(name="contract", created_by=steward)
    segmentation(exam, {"oedema": 100}, source="reference")
    first = create_version(dataset, [exam], user=steward)
    other = patient.exams.exclude(pk=exam.pk).first()
    segmentation(other, {"oedema": 100}, source="reference")
    second = create_version(dataset, [exam, other], user=steward)
    validation = ValidationRun.objects.create(
        model_version=version, dataset_version=second, created_by=steward, status="succeeded"
    )
    Evaluation.objects.create(run=validation, results={"provenance": {}, "cases": []})
    deployed = install(version, user=steward, reason="the contract's model")
    survey = Survey.objects.get(name="EASE clinical evaluation")  # built in (studies 0003)
    answered = respond(
        version=survey.versions.current(),
        respondent=reader,
        subject=patient,
        answers={"successful": "no", "failure_reason": "software_error"},
    )
    # both read in it (the reads of one object run as the steward); ended, so that blinding
    # hides nothing of the patient from the reader
    readers = (reader, steward)
    study = design.create_study(
        name="contract", user=steward, design=design.Design(cases=(exam,), readers=readers)
    )
    design.end(design.start(study))
    ids = {
        "/api/alarms/{id}/": alarm.pk,
        "/api/alarms/{id}/verdicts/": alarm.pk,
        "/api/alarms/threshold-sets/{id}/": thresholds.pk,
        "/api/datasets/{id}/": dataset.pk,
        "/api/datasets/{id}/versions/": dataset.pk,
        "/api/dataset-versions/{id}/": second.pk,
        "/api/dataset-versions/{id}/diff/": second.pk,
        "/api/deployments/{id}/": deployed.pk,
        "/api/exams/{id}/": exam.pk,
        "/api/exams/{id}/volume-diagnosis/": exam.pk,
        "/api/imports/{id}/": imported.pk,
        "/api/inference-jobs/{id}/": inference.pk,
        "/api/model-versions/{id}/": version.pk,
        "/api/my-studies/{id}/": study.pk,
        "/api/preprocessing-runs/{id}/": preprocessing.pk,
        "/api/preprocessing-runs/{id}/rejection/": preprocessing.pk,
        "/api/segmentations/{id}/": latest.pk,
        "/api/segmentations/{id}/assessments/": latest.pk,
        "/api/segmentations/{id}/grading/": latest.pk,
        "/api/segmentations/{id}/lesions/": latest.pk,
        "/api/segmentations/{id}/sent-results/": latest.pk,
        "/api/segmentations/{id}/verdicts/": latest.pk,
        "/api/survey-responses/{id}/": answered.pk,
        "/api/survey-versions/{id}/": answered.version_id,
        "/api/surveys/{id}/": survey.pk,
        "/api/surveys/{id}/versions/": survey.pk,
        "/api/validation-runs/{id}/": validation.pk,
        "/api/validation-runs/{id}/evaluation/": validation.pk,
    }
    parameters = {path: {"id": pk} for path, pk in ids.items()}
    for path in ("/api/cases/{pseudonym}/alarms/", "/api/patients/{pseudonym}/"):
        parameters[path] = {"pseudonym": patient.pseudonym}
    return PopulatedApi(
        reader_token=Token.objects.create(user=reader).key,
        steward_token=Token.objects.create(user=steward).key,
        path_parameters=parameters,
        query_parameters={"/api/dataset-versions/{id}/diff/": {"against": first.pk}},
    )
