"""A run's robustness sweep: the candidate attacked with FGSM over the paper's ε grid on every
case, on the gpu queue (here on the CPU, as a worker without a GPU runs it)."""

import pytest

from reviewer.validation import robustness
from reviewer.validation.models import RobustnessSweep, ValidationRun
from reviewer.validation.queue import RunRefused, request_robustness
from segmentation.engine.evaluation.robustness import EPSILONS
from tests.reviewer.validation.conftest import SLIGHTLY_LARGER

pytestmark = pytest.mark.django_db


@pytest.fixture
def swept(baseline, make_candidate, validate, qa_admin):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))
    sweep = request_robustness(run, user=qa_admin)
    robustness.run(sweep)
    return run, RobustnessSweep.objects.get(pk=sweep.pk)


def test_the_sweep_covers_the_papers_epsilon_grid_on_the_cpu(swept):
    _, sweep = swept

    assert sweep.status == "succeeded", sweep.error
    assert sweep.device == "CPU"
    assert [row["epsilon"] for row in sweep.results] == list(EPSILONS)


def test_at_epsilon_zero_the_dice_is_the_clean_one_and_the_attack_lowers_it(swept):
    run, sweep = swept
    clean = sweep.results[0]["cases"]
    evaluated = run.evaluation.results["cases"]

    for attacked, measured in zip(clean, evaluated, strict=True):
        assert attacked["dice"] == pytest.approx(measured["dice"], abs=0.02)
    assert (
        sweep.results[-1]["summary"]["dice"]["mean"] < sweep.results[0]["summary"]["dice"]["mean"]
    )


def test_a_sweep_waits_for_the_run_to_have_segmented_its_cases(
    baseline, make_candidate, dataset_version, qa_admin
):
    run = ValidationRun.objects.create(
        model_version=make_candidate("2.0"), dataset_version=dataset_version, created_by=qa_admin
    )

    with pytest.raises(RunRefused, match="has not segmented its cases yet"):
        request_robustness(run, user=qa_admin)


def test_the_runs_page_shows_the_sweep(swept, client_for, qa_admin):
    run, _ = swept

    page = client_for(qa_admin).get(f"/validation/{run.pk}/").content.decode()

    assert 'id="robustness-results"' in page
    assert 'data-chart="robustness"' in page


def test_only_qa_admins_start_a_sweep(baseline, make_candidate, validate, client_for, make_user):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    response = client_for(make_user("radiologist")).post(f"/validation/{run.pk}/robustness/")

    assert response.status_code == 403
    assert not RobustnessSweep.objects.exists()
