"""Key-sequence identification and the Table I comparison of paper 000: the §A7 rule on hand-made
ACC curves (the paper's FLAIR exclusion at μ_1 < 0.2 included), the curve features in closed
form, complementary sets, folds by patient, the Wilcoxon floor 2/2^n, pooled fold metrics, and
the key_modalities command's JSON line on a tiny cohort."""

import io
import json

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command
from scipy.stats import wilcoxon
from torch import nn

from imaging.labels import LabelScheme
from imaging.synthetic import build_cohort
from segmentation.engine.data import ExamSlices
from segmentation.engine.metrics import ConfusionCounts
from segmentation.engine.node import build_node
from segmentation.engine.targets import Target
from segmentation.research.key_modalities import (
    SEQUENCES,
    Settings,
    acc_features,
    complementary,
    key_sequences,
    target_images_acc,
)
from segmentation.research.unet_comparison import (
    Cohort,
    evaluate,
    minimum_p,
    paired_p,
    patient_folds,
)
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)

T = np.linspace(0.0, 1.0, 101)


def curves(**by_sequence) -> np.ndarray:
    """A mean ACC (T, 4) in channel order from one curve per sequence name."""
    return np.stack([by_sequence[name] for name in SEQUENCES], axis=1)


def et_like() -> np.ndarray:
    """Paper 000 Fig. 7(A): T1CE climbs close to 1; FLAIR peaks near t = 0.3 and ends below 0.2;
    T2 ends above 0.2 but falls; T1 stays flat."""
    flair = np.where(T <= 0.3, 0.05 + T, 0.35 - (T - 0.3) * 0.2 / 0.7)
    return curves(FLAIR=flair, T1=np.full_like(T, 0.02), T1CE=0.1 + 0.85 * T, T2=0.5 - 0.2 * T)


def wt_like() -> np.ndarray:
    """Fig. 7(C): FLAIR and T2 rise steeply to high values, T1 and T1CE stay low."""
    return curves(
        FLAIR=0.1 + 0.7 * np.sqrt(T),
        T1=np.full_like(T, 0.05),
        T1CE=0.1 + 0.05 * T,
        T2=0.1 + 0.75 * np.sqrt(T),
    )


def test_flair_is_excluded_for_et_because_its_acc_ends_below_tau():
    features = acc_features(T, et_like())
    assert features["FLAIR"]["mu_1"] == pytest.approx(0.15)
    assert features["FLAIR"]["mean_slope"] > 0
    assert key_sequences(features) == ["T1CE"]


def test_a_sequence_whose_acc_falls_is_not_key_even_above_tau():
    features = acc_features(T, et_like())
    assert features["T2"]["mu_1"] == pytest.approx(0.3)
    assert "T2" not in key_sequences(features)


def test_key_sequences_are_ranked_by_acc_at_one():
    assert key_sequences(acc_features(T, wt_like())) == ["T2", "FLAIR"]


def test_tau_is_configurable():
    assert key_sequences(acc_features(T, et_like()), tau=0.1) == ["T1CE", "FLAIR"]
    assert key_sequences(acc_features(T, wt_like()), tau=0.9) == []


def test_ties_keep_the_channel_order():
    rising = 0.1 + 0.5 * T
    features = acc_features(T, curves(FLAIR=rising, T1=rising, T1CE=rising, T2=rising))
    assert key_sequences(features) == list(SEQUENCES)


def test_curve_features_match_the_closed_form_of_t_squared():
    mu = curves(FLAIR=T**2, T1=T**2, T1CE=T**2, T2=T**2)
    features = acc_features(T, mu, mu_sd=np.full_like(mu, 0.1))["T1CE"]
    assert features["mu_0"] == 0 and features["mu_1"] == 1 and features["mu_1_sd"] == 0.1
    assert features["initial_slope"] == pytest.approx(0.01 / 0.1)
    assert features["mean_slope"] == pytest.approx(1.0)
    assert features["auc"] == pytest.approx(1 / 3, abs=1e-4)
    assert (features["max_mu"], features["t_max"]) == (1.0, 1.0)


def test_the_peak_of_a_rise_and_fall_curve_is_found_with_its_stage():
    flair = acc_features(T, et_like())["FLAIR"]
    assert flair["max_mu"] == pytest.approx(0.35)
    assert flair["t_max"] == pytest.approx(0.3)
    assert flair["initial_slope"] == pytest.approx(1.0)


def test_an_undefined_curve_has_no_features_and_is_never_key():
    mu = et_like()
    mu[40:, 2] = np.nan
    features = acc_features(T, mu)
    assert set(features["T1CE"].values()) == {None}
    assert key_sequences(features) == []


@pytest.mark.parametrize(
    "given_key",
    [{"WT": ["FLAIR", "FLAIR"]}, {"WT": []}, {"XT": ["T1"]}, {"ET": ["PD"]}],
)
def test_given_key_sequences_must_be_distinct_known_sequences_of_a_target(given_key):
    with pytest.raises(ValueError):
        Settings(given_key=given_key)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (["T1CE"], ["FLAIR", "T1", "T2"]),
        (["T2", "FLAIR"], ["T1", "T1CE"]),
        ([], list(SEQUENCES)),
        (list(SEQUENCES), []),
    ],
)
def test_complementary_sequences_are_the_others_in_channel_order(key, expected):
    assert complementary(key) == expected


def test_folds_hold_every_patient_once_with_sizes_within_one():
    patients = [f"P{n:02d}" for n in range(10)]
    folds = patient_folds(patients + patients[:3], 4, seed=7)  # repeats: exams of one patient
    assert sorted(p for fold in folds for p in fold) == patients
    assert {len(fold) for fold in folds} == {2, 3}
    assert patient_folds(patients, 4, seed=7) == folds
    assert sorted(patient_folds(patients, 10, seed=7)) == [[p] for p in patients]
    assert patient_folds(patients, 4, seed=8) != folds


@pytest.mark.parametrize("k", [1, 4])
def test_folds_need_between_two_and_as_many_as_the_patients(k):
    with pytest.raises(ValueError, match="folds need"):
        patient_folds(["a", "b", "c"], k, seed=0)


def exam(name: str, labels: np.ndarray) -> ExamSlices:
    """An exam of stacked slices whose FLAIR channel is 1 exactly where a label is."""
    images = np.zeros((len(labels), 4, *labels.shape[1:]), np.float32)
    images[:, 0] = labels > 0
    return ExamSlices(name, LabelScheme.BRATS2020, images, labels.astype(np.uint8))


def test_a_patient_s_exams_stay_together_in_one_fold():
    labels = np.zeros((2, 4, 4), np.uint8)
    names = {f"{p}-{e}": p for p in ("A", "B", "C", "D") for e in range(3)}
    cohort = Cohort(tuple(exam(n, labels) for n in names), names, {}, {})
    for fold in patient_folds(cohort.patients, 2, seed=1):
        validation = {names[e.name] for e in cohort.exams_of(fold)}
        training = {names[e.name] for e in cohort.exams_of(set(cohort.patients) - set(fold))}
        assert validation == set(fold) and not validation & training
        assert len(cohort.exams_of(fold)) == 3 * len(fold)


def test_the_smallest_wilcoxon_p_is_two_over_two_to_the_n():
    for n in (5, 6, 10):
        baseline, better = np.zeros(n), np.arange(1.0, n + 1)
        assert paired_p(baseline, better) == pytest.approx(minimum_p(n))
        assert wilcoxon(baseline, better).pvalue == pytest.approx(2 / 2**n)
    assert minimum_p(5) > 0.05 > minimum_p(6)


def test_identical_configurations_have_p_one():
    assert paired_p([0.7, 0.8, 0.9], [0.7, 0.8, 0.9]) == 1.0
    assert paired_p([], []) is None


class FlairThreshold(nn.Module):
    """Logit > 0 where the FLAIR channel exceeds 0.5."""

    def forward(self, x):
        return x[:, :1] - 0.5


def test_fold_metrics_pool_every_slice_and_images_are_those_holding_the_target():
    labels = np.zeros((3, 4, 4), np.uint8)
    labels[0, :2, :2] = 4  # ET, found
    labels[1, 0, 0] = 2  # oedema only: no ET in the reference, predicted (a false positive)
    exams = [exam("X-0", labels)]
    pooled, images = evaluate(FlairThreshold(), exams, Target.ET, [0, 1, 2, 3], batch_size=2)
    assert pooled == ConfusionCounts(tp=4, fp=1, fn=0, tn=43)
    assert len(images) == 1 and images[0]["dice"] == 1.0


def test_acc_is_taken_on_the_images_holding_the_target():
    torch.manual_seed(0)
    labels = np.zeros((4, 8, 8), np.uint8)
    labels[1, 2:4, 2:4] = 4
    labels[3, 5, 5] = 1  # necrosis: TC but not ET
    exams = [exam("X-0", labels), exam("X-1", labels[:2])]
    model = build_node("small")
    et = target_images_acc(model, exams, Target.ET, stages=3, batch_size=4)
    tc = target_images_acc(model, exams, Target.TC, stages=3, batch_size=4)
    assert et.union.shape == (2, 3, 4) and tc.union.shape == (3, 3, 4)
    with pytest.raises(ValueError, match="no test image holds WT"):
        target_images_acc(model, [exam("X-2", labels * 0)], Target.WT, stages=3, batch_size=4)


@pytest.fixture(scope="module")
def tiny_cohort(tmp_path_factory):
    """Four patients at 2 mm: three gliomas (two to train, one to test) and one MS patient."""
    out = tmp_path_factory.mktemp("cohort")
    build_cohort(out, patients=4, seed=23, resolution=2, formats=("brats",))
    return out / "brats"


TINY = {
    "folds": 2,
    "epochs": 1,
    "node_epochs": 1,
    "steps": 1,
    "stages": 2,
    "crop": 16,
    "batch_size": 32,
}


def test_the_command_ends_with_one_json_line_of_key_sequences_and_table(tiny_cohort, tmp_path):
    stdout = io.StringIO()
    call_command(
        "key_modalities",
        data=tiny_cohort,
        out=tmp_path,
        key=["wt=T2,FLAIR"],
        json=True,
        no_progress=True,
        threads=1,
        stdout=stdout,
        **TINY,
    )
    text, last = stdout.getvalue().rstrip("\n").rsplit("\n", 1)
    report = json.loads(last)
    assert "Table I" in text and "Mean ACC" in text and "FLAIR+T2 (given)" in text
    assert set(report["key_sequences"]) == {"ET", "TC", "WT"}
    assert report["key_source"] == {"ET": "rule", "TC": "rule", "WT": "given"}
    for target, key in report["key_sequences"].items():
        assert set(key) <= set(SEQUENCES)
        assert list(report["acc_at_1"][target]) == list(SEQUENCES)
        rows = report["table"][target]
        compared = ["FLAIR", "T2"] if target == "WT" else [s for s in SEQUENCES if s in key]
        assert rows["all"]["sequences"] == list(SEQUENCES)
        assert rows["key"]["sequences"] == compared
        assert rows["complementary"]["sequences"] == complementary(compared)
        assert rows["all"]["folds"]["n"] == 2
        assert set(rows["all"]["folds"]["dice"]) == {"mean", "sd", "values"}
        assert set(rows["complementary"]["folds"]["dice"]) == {"mean", "sd", "values", "p"}
    assert report["settings"] | TINY == report["settings"]
    assert all("NODE segments nothing" in warning for warning in report["warnings"])
    assert report["statistics"]["minimum_p_folds"] == 0.5
    assert len(report["cohort"]["folds"]) == 2
    assert (tmp_path / "key_modalities.json").is_file()
    assert (tmp_path / "acc_curves.json").is_file()


def test_the_command_refuses_more_folds_than_training_patients(tiny_cohort, tmp_path):
    with pytest.raises(CommandError, match="3 folds need"):
        call_command("key_modalities", data=tiny_cohort, out=tmp_path, folds=3, no_progress=True)


def test_the_command_refuses_a_key_without_sequences(tiny_cohort, tmp_path):
    with pytest.raises(CommandError, match="TARGET=SEQ"):
        call_command("key_modalities", data=tiny_cohort, out=tmp_path, key=["WT"])
