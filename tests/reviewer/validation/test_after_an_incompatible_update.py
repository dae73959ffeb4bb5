"""After a version whose validation found a volume change over 25 % goes live, results made
before and after it are in different compatibility groups: a later report, the viewer and the
three-exam diagnosis say so (EASE R-A7.3, R-A9.5)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from reviewer.datasets.models import ReferenceDataset
from reviewer.datasets.versions import create_version
from reviewer.imports.services import import_brats
from reviewer.pacs.findings import findings
from reviewer.pacs.report import report_lines
from reviewer.validation import deployment, runs
from reviewer.validation.queue import request_run
from reviewer.viewer.manifest import viewer_manifest
from segmentation import inference
from segmentation.compatibility import prior_warnings
from segmentation.models import InferenceJob, Segmentation
from tests.reviewer.validation.conftest import MUCH_LARGER

pytestmark = pytest.mark.django_db


@pytest.fixture
def updated(cohort_brats, baseline, make_candidate, grade, qa_admin):
    """Exam 1 segmented by the baseline; then a much larger candidate validated on exam 0,
    graded, deployed; then exam 2 segmented by it and graded. Returns exam 2's map."""
    [patient] = import_brats(cohort_brats)
    exams = list(patient.exams.order_by("order"))
    segment(exams[1], qa_admin)
    dataset = ReferenceDataset.objects.create(name="one case", created_by=qa_admin)
    version = create_version(dataset, exams[:1], user=qa_admin)
    run = request_run(
        model_version=make_candidate("3.0", MUCH_LARGER), dataset_version=version, user=qa_admin
    )
    runs.run(run)
    [case] = run.cases.all()
    grade(case.baseline, acceptable=True, level=4)
    grade(case.candidate, acceptable=True, level=4)
    deployment.deploy(run, user=qa_admin, reason="retrained on more data")
    segment(exams[2], qa_admin)
    latest = Segmentation.objects.get(exam=exams[2], source="model")
    grade(latest, acceptable=True, level=4)
    return latest


def segment(exam, user):
    job = InferenceJob.objects.create(patient=exam.patient, exam=exam, created_by=user)
    inference.run(job)


def test_the_new_version_is_live_in_a_new_compatibility_group(updated, baseline):
    assert updated.model_version.compatibility_group == 2
    baseline.refresh_from_db()
    assert (baseline.compatibility_group, baseline.deployed_at) == (1, None)


def test_a_later_report_warns_that_the_prior_cannot_be_compared(updated):
    assessment = updated.assessments.get()

    lines = report_lines(
        updated, assessment, findings(updated, assessment), prior_warnings(updated),
        study_date="20240305",
    )  # fmt: skip

    text = "\n".join(lines)
    assert "Prior exam 1 was segmented by incompatible model versions" in text
    assert "(compatibility group 1) against" in text
    assert "(compatibility group 2)" in text


def test_the_viewer_warns_on_the_current_result_and_names_its_group(updated):
    manifest = viewer_manifest(updated.exam.patient, updated.exam.pk, user=AnonymousUser())

    [current] = [e for e in manifest["exams"] if e["role"] == "current"]
    [shown] = [s for s in current["segmentations"] if s["source"] == "model"]
    assert shown["model_versions"] == [
        {"name": str(updated.model_version), "live": True, "compatibility_group": 2}
    ]
    [warning] = shown["comparability"]
    assert warning.startswith("Prior exam 1 was segmented by incompatible model versions")


def test_segmenting_the_patient_again_gives_the_priors_results_that_compare(updated, qa_admin):
    patient = updated.exam.patient

    inference.run(InferenceJob.objects.create(patient=patient, created_by=qa_admin))

    prior = patient.exams.get(order=1)
    assert prior.segmentations.filter(model_version=updated.model_version).exists()
    assert prior_warnings(updated) == []
    manifest = viewer_manifest(patient, updated.exam.pk, user=qa_admin)
    [current] = [e for e in manifest["exams"] if e["role"] == "current"]
    assert [s["comparability"] for s in current["segmentations"] if s["source"] == "model"] == [[]]
