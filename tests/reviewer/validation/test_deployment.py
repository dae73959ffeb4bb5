"""Going live: only through the gate, one live version per lineage, every deployment and
rollback recorded with who, when, why and on what evidence; the database enforces the rules."""

import pytest
from django.db import IntegrityError, InternalError, transaction
from django.utils import timezone

from reviewer.validation import deployment
from reviewer.validation.deployment import DeploymentRefused
from reviewer.validation.models import Deployment
from segmentation.models import ModelVersion
from tests.reviewer.validation.conftest import MUCH_LARGER, SLIGHTLY_LARGER

pytestmark = pytest.mark.django_db
# PostgreSQL's triggers raise InternalError; the constraints IntegrityError
REFUSED_BY_THE_DATABASE = (IntegrityError, InternalError)


@pytest.fixture
def no_change_run(baseline, make_candidate, validate):
    return validate(make_candidate("1.1"))


def graded(run, grade, *, level=4):
    for case in run.cases.all():
        grade(case.baseline, acceptable=True, level=4)
        grade(case.candidate, acceptable=True, level=level)
    return run


def live(version) -> ModelVersion:
    return ModelVersion.objects.deployed().lineage(version).get()


def test_deploying_a_no_change_run_makes_the_candidate_live_in_the_baselines_place(
    no_change_run, baseline, qa_admin
):
    record = deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    candidate = no_change_run.model_version
    assert live(baseline) == candidate
    candidate.refresh_from_db()
    assert candidate.compatibility_group == baseline.compatibility_group == 1
    assert (record.action, record.replaced, record.run) == ("deploy", baseline, no_change_run)


def test_a_deployment_records_who_when_why_and_the_gates_decision(no_change_run, qa_admin):
    record = deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    candidate = ModelVersion.objects.get(pk=no_change_run.model_version_id)
    assert record.user == qa_admin
    assert record.reason == "bug-fix release"
    assert record.created_at == candidate.deployed_at
    assert record.decision["decision"] == "no_change"
    assert record.decision["compatible"] is True


def test_without_an_ensemble_on_the_reference_cases_the_thresholds_in_force_are_kept_saying_why(
    no_change_run, qa_admin
):
    record = deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    assert record.threshold_set is None
    assert record.thresholds_note.startswith("thresholds not frozen again: no ensemble agreement")


def test_an_incompatible_version_starts_a_new_compatibility_group(
    baseline, make_candidate, validate, grade, qa_admin
):
    run = graded(validate(make_candidate("3.0", MUCH_LARGER)), grade)

    deployment.deploy(run, user=qa_admin, reason="new training data")

    assert live(baseline).compatibility_group == 2
    assert run.deployments.get().decision["compatible"] is False


def test_a_run_awaiting_grades_cannot_deploy(baseline, make_candidate, validate, qa_admin):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    with pytest.raises(DeploymentRefused, match="awaiting grades"):
        deployment.deploy(run, user=qa_admin, reason="in a hurry")
    assert live(baseline) == baseline


def test_a_refused_version_cannot_deploy(baseline, make_candidate, validate, grade, qa_admin):
    run = graded(validate(make_candidate("2.0", SLIGHTLY_LARGER)), grade, level=3)

    with pytest.raises(DeploymentRefused, match="refused.*mean grade"):
        deployment.deploy(run, user=qa_admin, reason="anyway")
    assert not Deployment.objects.filter(run=run).exists()


def test_a_run_made_against_a_version_no_longer_live_cannot_deploy(
    baseline, make_candidate, validate, qa_admin
):
    first, second = validate(make_candidate("1.1")), validate(make_candidate("1.2", 0.0))
    deployment.deploy(first, user=qa_admin, reason="first fix")

    with pytest.raises(DeploymentRefused, match="has changed since run"):
        deployment.deploy(second, user=qa_admin, reason="second fix")


def test_a_deployment_needs_a_reason(no_change_run, qa_admin):
    with pytest.raises(DeploymentRefused, match="say why"):
        deployment.deploy(no_change_run, user=qa_admin, reason="  ")


def test_the_database_refuses_a_version_going_live_without_a_deployment(baseline, make_candidate):
    candidate = make_candidate("2.0", SLIGHTLY_LARGER)
    ModelVersion.objects.filter(pk=baseline.pk).update(deployed_at=None)

    with (
        pytest.raises(REFUSED_BY_THE_DATABASE, match="only through the gate"),
        transaction.atomic(),
    ):
        ModelVersion.objects.filter(pk=candidate.pk).update(deployed_at=timezone.now())


def test_the_database_refuses_two_live_versions_of_one_lineage(baseline, make_candidate, qa_admin):
    candidate = make_candidate("2.0", SLIGHTLY_LARGER)
    now = timezone.now()
    Deployment.objects.create(
        model_version=candidate, action="install", compatibility_group=1, reason="sneaking in",
        user=qa_admin, created_at=now,
    )  # fmt: skip

    with pytest.raises(IntegrityError, match="one_live_per_lineage"), transaction.atomic():
        ModelVersion.objects.filter(pk=candidate.pk).update(deployed_at=now)


def test_the_database_refuses_changing_or_deleting_a_deployment(no_change_run, qa_admin):
    record = deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    with (
        pytest.raises(REFUSED_BY_THE_DATABASE, match="a deployment is a record"),
        transaction.atomic(),
    ):
        Deployment.objects.filter(pk=record.pk).update(reason="rewritten")
    with (
        pytest.raises(REFUSED_BY_THE_DATABASE, match="a deployment is a record"),
        transaction.atomic(),
    ):
        Deployment.objects.filter(pk=record.pk).delete()


def test_rolling_back_makes_the_replaced_version_live_again_and_is_recorded(
    no_change_run, baseline, qa_admin
):
    deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")
    candidate = ModelVersion.objects.get(pk=no_change_run.model_version_id)

    record = deployment.rollback(candidate, user=qa_admin, reason="crashes on 3 T scans")

    assert live(baseline) == baseline
    assert (record.action, record.model_version, record.replaced) == (
        "rollback", baseline, candidate,
    )  # fmt: skip
    assert record.reason == "crashes on 3 T scans"
    assert [d.action for d in Deployment.objects.order_by("created_at")] == [
        "install", "deploy", "rollback",
    ]  # fmt: skip


def test_an_installed_first_version_has_nothing_to_roll_back_to(baseline, qa_admin):
    with pytest.raises(DeploymentRefused, match="nothing to roll back to"):
        deployment.rollback(baseline, user=qa_admin, reason="try")


def test_a_lineage_that_had_a_live_version_installs_nothing_more(
    baseline, make_candidate, qa_admin
):
    with pytest.raises(DeploymentRefused, match="only through a validation run"):
        deployment.install(make_candidate("2.0", SLIGHTLY_LARGER), user=qa_admin, reason="x")


def test_inference_runs_with_the_live_version_after_a_deployment(no_change_run, qa_admin):
    deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    assert list(ModelVersion.objects.deployed()) == [no_change_run.model_version]
