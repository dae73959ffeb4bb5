"""A run ends with the four-axis evaluation of its candidate on the reference labels (the
statistics themselves are specified in tests/segmentation/engine/evaluation): per-case
performance inside the head, means per stratum, calibration, and quality features with their
BH-adjusted correlations, stamped with the dataset, model and software versions."""

import numpy as np
import pytest

from reviewer.core.storage import read_nifti
from reviewer.core.version import SOFTWARE_VERSION
from reviewer.validation.evaluation import volume_intervals
from segmentation.engine.metrics import ConfusionCounts
from segmentation.engine.targets import target_mask
from tests.reviewer.validation.conftest import SLIGHTLY_LARGER

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(baseline, make_candidate, validate):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))
    return run, run.evaluation.results


def test_each_cases_dice_is_the_candidates_overlap_with_the_reference_region(evaluated):
    run, results = evaluated

    for case, row in zip(run.cases.order_by("case__key"), results["cases"], strict=True):
        reference = case.case.reference
        truth = target_mask(
            np.asanyarray(read_nifti(reference.file.name).dataobj), "WT", reference.label_scheme
        )
        predicted = np.asanyarray(read_nifti(case.candidate.file.name).dataobj) > 0
        # the reference lies inside the head, where the evaluation counts
        assert row["case"] == case.case.key
        assert row["dice"] == pytest.approx(ConfusionCounts.of(predicted, truth).overlap()["dice"])
        assert 0.3 < row["dice"] < 1


def test_the_evaluation_names_the_dataset_model_and_software_versions(evaluated):
    run, results = evaluated

    assert results["provenance"] == {
        "model_version": str(run.model_version),
        "model_sha256": run.model_version.sha256,
        "dataset_version": str(run.dataset_version),
        "dataset_sha256": run.dataset_version.sha256,
        "software_version": SOFTWARE_VERSION,
        "target": "WT",
    }


def test_the_means_per_stratum_of_each_axis_carry_bootstrap_intervals(evaluated):
    _, results = evaluated
    dice = {row["tumour_group"]: row["dice"] for row in results["cases"]}

    [(scanner, metrics)] = results["performance_by"]["scanner"].items()
    [(site, by_site)] = results["performance_by"]["site"].items()
    by_group = results["performance_by"]["tumour_group"]

    assert scanner == "unknown"  # BraTS folders carry no scanner
    assert metrics["dice"]["n"] == 2
    assert metrics["dice"]["low"] <= metrics["dice"]["mean"] <= metrics["dice"]["high"]
    assert metrics["dice"]["mean"] == pytest.approx(np.mean(list(dice.values())))
    # the tumour group and site the dataset version records of each case
    assert (site, by_site["dice"]["n"]) == ("Centre A", 2)
    assert {group: means["dice"]["mean"] for group, means in by_group.items()} == pytest.approx(
        {"LGG": dice["LGG"], "GBM": dice["GBM"]}
    )


def test_calibration_is_reported_before_and_after_temperature_and_platt_scaling(evaluated):
    _, results = evaluated

    calibration = results["calibration"]
    assert set(calibration["patient_mean"]) >= {"nll", "brier", "ece", "mce"}
    for fit in ("temperature", "platt"):
        assert calibration[fit]["after"]["nll"] <= calibration[fit]["before"]["nll"] + 1e-9
    assert sum(b["count"] for b in calibration["reliability"]) > 0


def test_quality_features_of_every_series_are_correlated_at_the_configured_alpha(
    baseline, make_candidate, validate, settings
):
    settings.NEUROREVIEW_QUALITY_ALPHA = 0.1
    results = validate(make_candidate("2.0", SLIGHTLY_LARGER)).evaluation.results

    quality = results["data_quality"]
    assert quality["alpha"] == 0.1
    features = {c["feature"] for c in quality["correlations"]}
    assert {"FLAIR SNR1", "T1 CJV", "T1CE EFC", "T2 MEAN"} <= features
    assert quality["pca"] is None  # two cases lie on one component
    assert quality["pca_note"] == "2 cases are too few for a PCA"


def synthetic_rows(count: int, seed: int = 3) -> list[dict]:
    """Cases whose reference volume is 1.1 × the predicted one plus noise."""
    rng = np.random.default_rng(seed)
    predicted = rng.uniform(2, 80, count)
    return [
        {
            "case": f"NR-SYN/{i}",
            "predicted_ml": float(p),
            "mean_confidence": float(rng.uniform(0.6, 0.99)),
            "reference_ml": float(1.1 * p + rng.normal(0, 3)),
        }
        for i, p in enumerate(predicted)
    ]


def test_volume_intervals_cover_the_held_out_cases_near_the_nominal_level():
    found = volume_intervals(synthetic_rows(800), alpha=0.1)

    assert found["cases"] == {"train": 400, "calibration": 200, "held_out": 200}
    assert found["coverage"] == pytest.approx(0.9, abs=0.06)  # ±0.06 over 200 held-out cases
    assert all(c["lower"] < c["upper"] for c in found["held_out"])


def test_the_same_cases_split_alike_whatever_their_order():
    rows = synthetic_rows(40)

    first, second = volume_intervals(rows), volume_intervals(rows[::-1])

    assert [c["case"] for c in first["held_out"]] == [c["case"] for c in second["held_out"]]


def test_too_few_cases_for_a_finite_interval_give_a_note_not_intervals():
    found = volume_intervals(synthetic_rows(20))

    assert found == {"alpha": 0.1, "note": "20 cases: volume intervals need at least 36"}
