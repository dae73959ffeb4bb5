"""The validation API, for QA admins only: ask for a run, read the gate's decision, deploy,
roll back, read the record; refusals are 400s that name the field."""

import pytest

from reviewer.validation import runs
from reviewer.validation.models import Deployment, ValidationRun
from tests.reviewer.validation.conftest import SLIGHTLY_LARGER

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for, qa_admin):
    return client_for(qa_admin)


def ask(client, candidate, dataset_version):
    return client.post(
        "/api/validation-runs/",
        {"model_version": candidate.pk, "dataset_version": dataset_version.pk},
        content_type="application/json",
    )


def ran(client, candidate, dataset_version) -> ValidationRun:
    """A run asked for through the API, then worked off here as the worker would."""
    response = ask(client, candidate, dataset_version)
    assert response.status_code == 201, response.content
    run = ValidationRun.objects.get(pk=response.json()["id"])
    runs.run(run)
    return run


def test_a_qa_admin_asks_for_a_run_against_the_live_version(
    admin_client, baseline, make_candidate, dataset_version
):
    response = ask(admin_client, make_candidate("2.0"), dataset_version)

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    assert response.json()["baseline"] == str(baseline)


def test_a_run_of_a_live_version_is_a_400_naming_the_model_version(
    admin_client, baseline, dataset_version
):
    response = ask(admin_client, baseline, dataset_version)

    assert response.status_code == 400
    assert "is live already" in response.json()["model_version"][0]


def test_the_run_shows_the_gates_decision_case_by_case_with_the_rule(
    admin_client, baseline, make_candidate, dataset_version
):
    run = ran(admin_client, make_candidate("2.0", SLIGHTLY_LARGER), dataset_version)

    gate = admin_client.get(f"/api/validation-runs/{run.pk}/").json()["gate"]

    assert gate["decision"] == "awaiting_grades"
    assert "mean grade over the changed cases is not lower" in gate["rule"]
    assert [case["awaiting"] for case in gate["cases"]] == [["candidate", "baseline"]] * 2
    assert all(case["candidate_ml"] > case["baseline_ml"] for case in gate["cases"])


def test_deploying_through_the_api_records_the_reason(
    admin_client, baseline, make_candidate, dataset_version, qa_admin
):
    run = ran(admin_client, make_candidate("1.1"), dataset_version)

    response = admin_client.post(
        f"/api/validation-runs/{run.pk}/deploy/",
        {"reason": "fixes the N4 step"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["action"] == "deploy"
    assert response.json()["user"] == qa_admin.username
    assert Deployment.objects.get(run=run).reason == "fixes the N4 step"


def test_deploying_a_run_the_gate_does_not_allow_is_a_400_saying_why(
    admin_client, baseline, make_candidate, dataset_version
):
    run = ran(admin_client, make_candidate("2.0", SLIGHTLY_LARGER), dataset_version)

    response = admin_client.post(
        f"/api/validation-runs/{run.pk}/deploy/", {"reason": "now"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "awaiting grades" in response.json()["run"][0]


def test_rolling_back_through_the_api_makes_the_baseline_live_again(
    admin_client, baseline, make_candidate, dataset_version
):
    run = ran(admin_client, make_candidate("1.1"), dataset_version)
    admin_client.post(
        f"/api/validation-runs/{run.pk}/deploy/", {"reason": "fix"}, content_type="application/json"
    )

    response = admin_client.post(
        "/api/deployments/rollback/",
        {"model_version": run.model_version_id, "reason": "slower on the GPU"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["model_version"] == baseline.pk
    listed = admin_client.get("/api/deployments/").json()["results"]
    assert [d["action"] for d in listed] == ["rollback", "deploy", "install"]


@pytest.mark.parametrize("role", ["radiologist", "researcher"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/validation-runs/"),
        ("post", "/api/validation-runs/"),
        ("get", "/api/deployments/"),
        ("post", "/api/deployments/rollback/"),
    ],
)
def test_other_roles_get_403(client_for, make_user, role, method, path):
    client = client_for(make_user(role))

    response = getattr(client, method)(path, {}, content_type="application/json")

    assert response.status_code == 403


def test_other_roles_cannot_deploy_a_run(client_for, make_user, baseline, make_candidate, validate):
    run = validate(make_candidate("1.1"))

    response = client_for(make_user("radiologist")).post(
        f"/api/validation-runs/{run.pk}/deploy/", {"reason": "x"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert not Deployment.objects.filter(run=run).exists()


def test_the_evaluation_is_read_by_qa_admins_only(
    admin_client, client_for, make_user, baseline, make_candidate, validate
):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))
    path = f"/api/validation-runs/{run.pk}/evaluation/"

    answer = admin_client.get(path)

    assert answer.status_code == 200
    assert answer.json()["results"]["provenance"]["dataset_sha256"] == run.dataset_version.sha256
    assert client_for(make_user("radiologist")).get(path).status_code == 403
