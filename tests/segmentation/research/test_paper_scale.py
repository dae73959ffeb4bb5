"""The GPU analysis's plan and its early failure report (segmentation.research.paper_scale,
time_budget): NODEs planned by Adam updates, not epochs; no ACC for a NODE whose γ is empty; no
U-Net time when no NODE segments anything."""

import argparse
import time

import numpy as np
import pytest
import torch

from imaging.labels import LabelScheme
from segmentation.engine.data import ExamSlices
from segmentation.engine.node import build_node
from segmentation.engine.targets import Target
from segmentation.research import key_modalities, paper_scale
from segmentation.research.key_modalities import SEQUENCES, Settings, identify
from segmentation.research.time_budget import MIN_NODE_UPDATES, Costs, plan_node
from segmentation.research.unet_comparison import Cohort
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)

# What the H200 measured on 2026-12-04 (gpu/results/2026-12-04-h200/table1.md)
H200 = Costs(node_step=0.00443, flow_step=0.0006903, unet_train=0.001092, unet_infer=0.0002102)
COHORT = {"training_slices": 794, "test_slices": 165, "target_images": 375, "analysis_steps": 100}


def test_the_plan_of_the_h200_run_is_now_flagged_as_too_few_updates():
    """That run's NODE plan (1 step, 5 epochs of 794 slices in batches of 16 = 250 updates)
    passed for enough; its NODEs segmented nothing."""
    plan = plan_node(H200, **COHORT, budget_s=0.85 * 0.6 * 227, batch_size=16)
    assert (plan.steps, plan.epochs, plan.updates) == (1, 5, 250)
    assert not plan.enough


def test_the_node_epochs_are_enough_only_with_the_minimum_of_updates():
    costs = Costs(node_step=1e-3, flow_step=1e-4, unet_train=1e-3, unet_infer=1e-4)
    for batch_size in (4, 16):
        plan = plan_node(costs, **COHORT, budget_s=1000, batch_size=batch_size)
        batches = -(-794 // batch_size)
        assert plan.enough and plan.updates == plan.epochs * batches >= MIN_NODE_UPDATES
        assert plan.epochs >= 5
    small = plan_node(costs, **COHORT, budget_s=1000, batch_size=4, min_updates=0)
    large = plan_node(costs, **COHORT, budget_s=1000, batch_size=16)
    assert small.steps >= large.steps  # updates cost time: the grid gives way first


def exam(name: str) -> ExamSlices:
    labels = np.zeros((3, 8, 8), np.uint8)
    labels[:, 2:5, 2:5] = 2  # oedema: WT
    labels[1, 3, 3] = 4  # enhancing: ET, TC, WT
    images = np.full((3, 4, 8, 8), 0.2, np.float32)
    return ExamSlices(name, LabelScheme.BRATS2020, images, labels)


def test_a_node_that_segments_nothing_gets_no_acc_and_says_why(monkeypatch, tmp_path):
    torch.manual_seed(0)
    node = build_node("small").eval()
    node.steps = 1
    with torch.no_grad():
        node.head.weight.fill_(-1.0)  # non-negative intensities: every logit < 0, γ empty
    monkeypatch.setattr(key_modalities, "train_node", lambda *_: (node, [0.6, 0.2, 0.1], [0, 1, 0]))

    def no_acc(*args, **kwargs):
        raise AssertionError("the ACC of an empty γ was computed")

    monkeypatch.setattr(key_modalities, "target_images_acc", no_acc)
    names = {"A-0": "A", "B-0": "B"}
    cohort = Cohort(tuple(exam(n) for n in names), names, dict.fromkeys(names, "0" * 64), {})
    found, curve = identify(cohort, ["A"], ["B"], Target.ET, Settings(stages=11), tmp_path)
    assert curve is None and not found["segments"] and found["key"] == []
    assert found["images"] == 1  # the one test slice holding ET
    assert all(f["mu_1"] is None for f in found["features"].values())
    assert found["node_test"]["dice"] == 0.0 and found["node_train"]["dice"] == 0.0
    assert "segments nothing" in found["warning"] and "[0.6, 0.2, 0.1]" in found["warning"]
    assert (found["losses"], found["clipped"]) == ([0.6, 0.2, 0.1], [0, 1, 0])
    assert list(found["features"]) == list(SEQUENCES)


def analysis(tmp_path, segments: dict[Target, bool]) -> paper_scale.Analysis:
    """An Analysis after its NODEs, without a cohort or a device."""
    analysis = object.__new__(paper_scale.Analysis)
    analysis.args = argparse.Namespace(out=tmp_path, models=tmp_path, seed=0, min_epochs=5)
    analysis.preset = paper_scale.PAPER
    analysis.started, analysis.deadline = time.monotonic(), time.monotonic() + 100
    analysis.info = {"timings_s": {}, "plan": {"node": None, "unet": None}}
    analysis.identified = {t: {"segments": s, "key": []} for t, s in segments.items()}
    analysis.table, analysis.folds = {}, []
    analysis.write = lambda: None
    return analysis


def test_no_unet_is_trained_when_no_node_segments_anything(monkeypatch, tmp_path):
    def no_plan(*args, **kwargs):
        raise AssertionError("U-Net time was planned")

    monkeypatch.setattr(paper_scale.time_budget, "plan_unets", no_plan)
    done = analysis(tmp_path, dict.fromkeys(Target, False))
    done.compare_unets()
    assert "no NODE segments anything" in done.info["unet_skipped"]
    assert done.info["unet_targets_skipped"].startswith("ET, TC, WT:")
    assert done.table == {}


def test_only_the_targets_whose_node_segments_get_unets(monkeypatch, tmp_path):
    planned = {}

    def plan(costs, *, configurations, **kwargs):
        planned["configurations"] = configurations
        raise StopIteration  # enough: what was planned is known

    monkeypatch.setattr(paper_scale.time_budget, "plan_unets", plan)
    done = analysis(tmp_path, {Target.ET: False, Target.TC: False, Target.WT: True})
    done.costs, done.training_exams, done.training_patients = None, [], ["A"]
    with pytest.raises(StopIteration):
        done.compare_unets()
    assert planned["configurations"] == 3  # WT alone: all four, FLAIR+T2 (given), T1+T1CE
    assert done.info["unet_targets_skipped"].startswith("ET, TC:")
