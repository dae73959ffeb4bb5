"""The model × dataset matrix (evaluation paper R-B3): per model version and dataset version,
the mean Dice of the newest evaluation of the pair, overall and per tumour group."""

from types import SimpleNamespace

import numpy as np
import pytest

from reviewer.validation.matrix import dice_matrix
from tests.reviewer.validation.conftest import SLIGHTLY_LARGER


def evaluation(run: int, model: str, dataset: str, cases: list[tuple[str, float]]):
    """An evaluation as the matrix reads it: its run's versions and the per-case rows."""
    return SimpleNamespace(
        run=SimpleNamespace(pk=run, model_version=model, dataset_version=dataset),
        results={"cases": [{"tumour_group": group, "dice": dice} for group, dice in cases]},
    )


def test_each_cell_is_the_mean_dice_overall_and_per_tumour_group():
    cases = [("GBM", 0.9), ("GBM", 0.7), ("LGG", 0.5)]

    matrix = dice_matrix([evaluation(1, "unet-wt 2.0", "ref v1", cases)])

    [(model, [cell])] = matrix.rows()
    assert model == "unet-wt 2.0"
    means = {group: dice["mean"] for group, dice in cell.by_group.items()}
    assert means == pytest.approx({"all": np.mean([0.9, 0.7, 0.5]), "GBM": 0.8, "LGG": 0.5})
    assert cell.by_group["all"]["n"] == 3
    assert (
        cell.by_group["all"]["low"] <= cell.by_group["all"]["mean"] <= cell.by_group["all"]["high"]
    )


def test_the_newest_evaluation_of_a_pair_is_the_one_shown():
    older = evaluation(1, "unet-wt 2.0", "ref v1", [("GBM", 0.2)])
    newer = evaluation(2, "unet-wt 2.0", "ref v1", [("GBM", 0.8)])

    [(_, [cell])] = dice_matrix([older, newer]).rows()

    assert (cell.run, cell.by_group["all"]["mean"]) == (2, pytest.approx(0.8))


def test_a_pair_never_validated_is_an_empty_cell():
    matrix = dice_matrix(
        [
            evaluation(1, "unet-wt 2.0", "ref v1", [("GBM", 0.8)]),
            evaluation(2, "unet-wt 3.0", "ref v2", [("LGG", 0.6)]),
        ]
    )

    assert matrix.datasets == ["ref v1", "ref v2"]
    assert [[c is None for c in cells] for _, cells in matrix.rows()] == [
        [False, True],
        [True, False],
    ]


@pytest.mark.django_db
def test_the_model_versions_page_shows_the_matrix_of_the_runs_evaluations(
    page_client, baseline, make_candidate, validate
):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    response = page_client.get("/models/")

    [(model, [cell])] = response.context["matrix"].rows()
    assert (model, cell.run) == (str(run.model_version), run.pk)
    assert set(cell.by_group) == {"all", "LGG", "GBM"}
    assert "data-matrix" in response.content.decode()
