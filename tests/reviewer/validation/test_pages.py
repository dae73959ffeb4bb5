"""The QA admin's pages: the model versions (what is live, the record, validating a version)
and a run (the rule, the decision case by case with links to grade each map, deploy)."""

import pytest

from reviewer.validation.models import Deployment, ValidationRun
from segmentation.models import ModelVersion
from tests.reviewer.validation.conftest import SLIGHTLY_LARGER

pytestmark = pytest.mark.django_db


def test_the_model_versions_page_shows_the_live_version_with_its_group_and_record(
    page_client, baseline
):
    page = page_client.get("/models/").content.decode()

    assert str(baseline) in page
    assert "group 1" in page
    assert "a test&#x27;s model version" in page  # the install's reason, in the record


@pytest.mark.parametrize("role", ["radiologist", "researcher"])
@pytest.mark.parametrize("path", ["/models/", "/validation/1/"])
def test_other_roles_get_403_on_the_pages(client_for, make_user, role, path):
    assert client_for(make_user(role)).get(path).status_code == 403


def test_asking_for_a_run_from_the_page_opens_the_runs_page(
    page_client, baseline, make_candidate, dataset_version
):
    candidate = make_candidate("2.0", SLIGHTLY_LARGER)

    response = page_client.post(
        "/validation/", {"model_version": candidate.pk, "dataset_version": dataset_version.pk}
    )

    run = ValidationRun.objects.get(model_version=candidate)
    assert response.status_code == 302
    assert response.url == f"/validation/{run.pk}/"


def test_a_refused_run_comes_back_as_a_message_naming_why(page_client, baseline, dataset_version):
    response = page_client.post(
        "/validation/",
        {"model_version": baseline.pk, "dataset_version": dataset_version.pk},
        follow=True,
    )

    assert "is live already" in response.content.decode()
    assert not ValidationRun.objects.exists()


def test_the_runs_page_states_the_rule_and_links_each_changed_map_to_the_viewer(
    page_client, baseline, make_candidate, validate
):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    page = page_client.get(f"/validation/{run.pk}/").content.decode()

    assert "mean grade over the changed cases is not lower" in page
    assert "Changed cases await grades" in page
    for case in run.cases.all():
        pseudonym = case.case.exam.patient.pseudonym
        link = f"/cases/{pseudonym}/viewer/?exam={case.case.exam_id}&amp;segmentation="
        assert f"{link}{case.candidate_id}" in page
        assert f"{link}{case.baseline_id}" in page
    assert "Deploy " not in page


def test_deploying_from_the_runs_page_makes_the_version_live(
    page_client, baseline, make_candidate, validate
):
    run = validate(make_candidate("1.1"))

    response = page_client.post(
        f"/validation/{run.pk}/deploy/", {"reason": "bug-fix release"}, follow=True
    )

    assert "is live, in compatibility group 1" in response.content.decode()
    assert ModelVersion.objects.deployed().get() == run.model_version


def test_rolling_back_from_the_model_versions_page_is_recorded(
    page_client, baseline, make_candidate, validate
):
    run = validate(make_candidate("1.1"))
    page_client.post(f"/validation/{run.pk}/deploy/", {"reason": "bug-fix release"})

    response = page_client.post(
        "/models/rollback/",
        {"model_version": run.model_version_id, "reason": "slower"},
        follow=True,
    )

    assert f"{baseline} is live again" in response.content.decode()
    assert Deployment.objects.filter(action="rollback", reason="slower").exists()


def test_a_run_in_progress_follows_its_progress_live(
    page_client, make_candidate, dataset_version, qa_admin
):
    from reviewer.validation.queue import request_run

    run = request_run(
        model_version=make_candidate("2.0"), dataset_version=dataset_version, user=qa_admin
    )

    page = page_client.get(f"/validation/{run.pk}/").content.decode()

    assert f'data-ws-path="/ws/validation/{run.pk}/"' in page
    assert "data-reload-when-done" in page


def test_the_runs_page_shows_the_evaluation_with_its_downloads(
    page_client, baseline, make_candidate, validate
):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    response = page_client.get(f"/validation/{run.pk}/")
    page = response.content.decode()

    # performance per stratum of each axis, the strata as the dataset version records them
    assert [
        (axis, [row[0] for row in rows]) for axis, rows in response.context["performance_tables"]
    ] == [
        ("Tumour group", ["GBM", "LGG"]),
        ("Site", ["Centre A"]),
        ("Scanner", ["unknown"]),
    ]
    assert f'data-evaluation="/api/validation-runs/{run.pk}/evaluation/"' in page
    assert f'href="/validation/{run.pk}/evaluation.csv"' in page
    assert "Temperature scaling (T = " in page
    assert "2 cases: volume intervals need at least 36" in page


def test_the_evaluation_csv_starts_with_the_versions_it_belongs_to(
    page_client, baseline, make_candidate, validate
):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    lines = page_client.get(f"/validation/{run.pk}/evaluation.csv").content.decode().splitlines()

    assert lines[:3] == [
        f"# model_version: {run.model_version}",
        f"# model_sha256: {run.model_version.sha256}",
        f"# dataset_version: {run.dataset_version}",
    ]
    header = lines[6].split(",")
    assert header[:5] == ["case", "tumour_group", "site", "scanner", "dice"]
    assert "dice" in header and "hd95" in header
    assert [line.split(",")[0] for line in lines[7:]] == [c.case.key for c in run.cases.all()]
