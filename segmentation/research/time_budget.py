"""Fitting the key-modality analysis of [1] (:mod:`segmentation.research.key_modalities`) into a
time budget on one device.

The costs are measured first, on the device and on slices of the cohort, through the code the
analysis runs (:func:`segmentation.engine.training.fit`, the flow, the segmenter), as seconds per
slice: per RK4 step of NODE training (forward and adjoint), per RK4 step of a flow without
gradients, per U-Net training pass and per U-Net segmentation. Then, per phase:

- NODE (one per target): the ACC on the test images at the analysis grid and [2] §A13's check
  are paid first; the training grid is the finest of :data:`STEP_LADDER` that still leaves
  enough epochs in the rest, and the epochs are as many as fit (the paper trains and analyses
  on 100 steps; when that does not fit, a coarser training grid keeps the epochs). Enough is
  ``min_epochs`` and at least :data:`MIN_NODE_UPDATES` Adam updates: what a NODE needs is
  updates, not passes over the data. Under BCE on slices whose target covers 0.4–3 % of the
  pixels, a NODE first learns to call every pixel background (the loss falls, γ is empty) and
  its target's logits cross 0 only after a couple of hundred updates, whatever the batch size
  (module notes below); hence small NODE batches (:data:`NODE_BATCH`: 4 updates where a batch
  of 16 makes one, at a similar cost per slice).
- U-Nets (Table I): k folds by patient train (k − 1)/k of the training slices each, so all folds
  of one configuration cost (k − 1) epochs over them plus one segmentation of every slice. The
  folds are the paper's 10 when ``min_epochs`` fit; else fewer, down to 6, the fewest whose
  Wilcoxon test can reach p < 0.05; below that, the epochs give way before the folds do.

Notes on the NODE's updates (CPU, ``small`` preset, whole 99×117 slices, 1 RK4 step, WT, two
training patients of the synthetic cohort at 2 mm, 173 slices; test Dice on a third patient):
batches of 16, 12 epochs = 132 updates: loss 0.63 → 0.045, γ empty on the test images (largest
logit −0.18); batches of 4: γ empty up to 176 updates (epoch 4), Dice 0.009 at 220, 0.67 at 264,
0.80 at 352. On the H200 (2026-12-04) the ``paper`` preset got 250 updates (5 epochs of 794
slices in batches of 16) and segmented nothing for any target. 600 updates is about twice the
onset seen.

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation." Medical
    Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
[2] spec/node-and-radiogenomics.md, §A6, §A13.
"""

import math
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from imaging.labels import LabelScheme
from imaging.sequences import CHANNEL_ORDER
from segmentation.engine import data
from segmentation.engine.flow import exam_contributions
from segmentation.engine.targets import Target
from segmentation.engine.training import Kind, TrainingRun, build_model, fit
from segmentation.research.unet_comparison import segment

STEP_LADDER = (100, 50, 25, 20, 10, 8, 5, 4, 2, 1)
PAPER_FOLDS = 10
FEWEST_FOLDS_FOR_P = 6  # 2/2^6 = 0.031 < 0.05: the smallest p of an exact Wilcoxon test
CALIBRATION_STEPS = 4
MIN_NODE_UPDATES = 600  # Adam updates per NODE before the epochs count as enough (notes above)
NODE_BATCH = 4  # slices per NODE update: the paper states no batch size ([2] A11)
NO_CHECKPOINTS = {"resume": False, "progress": False, "checkpoints": False}


@dataclass(frozen=True)
class Costs:
    """Seconds per slice on the device."""

    node_step: float  # one RK4 step of NODE training, forward and adjoint
    flow_step: float  # one RK4 step of a flow without gradients (ACC, segmentation)
    unet_train: float  # one U-Net training pass
    unet_infer: float  # one U-Net segmentation

    def as_json(self) -> dict:
        return {name: float(f"{value:.4g}") for name, value in asdict(self).items()}


@dataclass(frozen=True)
class NodePlan:
    steps: int
    epochs: int
    seconds: float  # predicted, for all targets: training and evaluation
    batch_size: int = NODE_BATCH
    updates: int = 0  # Adam updates per NODE: epochs × batches per epoch
    enough: bool = True  # whether the updates and epochs reach the minimum asked for

    def as_json(self) -> dict:
        return asdict(self) | {"seconds": round(self.seconds, 1)}


@dataclass(frozen=True)
class UNetPlan:
    folds: int
    epochs: int
    seconds: float  # predicted, for all targets and configurations

    def as_json(self) -> dict:
        return asdict(self) | {"seconds": round(self.seconds, 1)}


def plan_node(
    costs: Costs,
    *,
    training_slices: int,
    test_slices: int,
    target_images: int,
    analysis_steps: int,
    budget_s: float,
    targets: int = len(Target),
    batch_size: int = NODE_BATCH,
    min_epochs: int = 5,
    min_updates: int = MIN_NODE_UPDATES,
    max_epochs: int | None = None,
) -> NodePlan:
    """Training grid and epochs of the NODEs (module docstring); ``costs.node_step`` must have
    been measured at ``batch_size``.

    ``target_images`` is the number of test images that hold their target, summed over targets
    (the ACC's images); ``test_slices`` those of one target's grid check. When not even one step
    leaves enough epochs, the plan takes one step and the epochs that fit, ``enough`` False.

    >>> costs = Costs(node_step=1e-3, flow_step=2e-4, unet_train=1e-3, unet_infer=1e-4)
    >>> plan_node(costs, training_slices=800, test_slices=150, target_images=400,
    ...           analysis_steps=100, budget_s=150)
    NodePlan(steps=10, epochs=5, seconds=137.9, batch_size=4, updates=1000, enough=True)
    >>> plan_node(costs, training_slices=800, test_slices=150, target_images=400,
    ...           analysis_steps=100, budget_s=30, batch_size=16)
    NodePlan(steps=1, epochs=5, seconds=29.1, batch_size=16, updates=250, enough=False)
    """
    batches = -(-training_slices // batch_size)
    needed = max(_enough(min_epochs, max_epochs), math.ceil(min_updates / batches))
    needed = _capped(needed, max_epochs)
    for steps in [s for s in STEP_LADDER if s <= analysis_steps]:
        evaluation = costs.flow_step * (
            target_images * analysis_steps + targets * test_slices * (analysis_steps + steps)
        )
        epoch = targets * training_slices * steps * costs.node_step
        epochs = _capped(math.floor((budget_s - evaluation) / epoch), max_epochs)
        if epochs >= needed or steps == 1:
            epochs = max(1, epochs)
            seconds = round(evaluation + epochs * epoch, 1)
            enough = epochs >= needed
            return NodePlan(steps, epochs, seconds, batch_size, epochs * batches, enough)
    raise ValueError(f"analysis_steps must be at least 1, got {analysis_steps}")


def plan_unets(
    costs: Costs,
    *,
    training_slices: int,
    configurations: int,
    training_patients: int,
    budget_s: float,
    min_epochs: int = 5,
    max_epochs: int | None = None,
) -> UNetPlan:
    """Folds and epochs of the U-Nets (module docstring); ``configurations`` is the number of
    distinct U-Nets per fold, summed over the targets.

    >>> costs = Costs(node_step=1e-3, flow_step=2e-4, unet_train=4e-4, unet_infer=1e-4)
    >>> plan_unets(costs, training_slices=800, configurations=9, training_patients=10,
    ...            budget_s=120)
    UNetPlan(folds=9, epochs=5, seconds=115.9)
    """
    most = min(PAPER_FOLDS, training_patients)

    def epochs_for(k: int) -> int:
        per_configuration = budget_s / configurations - training_slices * costs.unet_infer
        epoch = training_slices * (k - 1) * costs.unet_train
        return _capped(math.floor(per_configuration / epoch), max_epochs)

    def plan(k: int, epochs: int) -> UNetPlan:
        epoch = training_slices * (k - 1) * costs.unet_train
        seconds = configurations * (epochs * epoch + training_slices * costs.unet_infer)
        return UNetPlan(k, epochs, round(seconds, 1))

    enough = _enough(min_epochs, max_epochs)
    fewest = min(FEWEST_FOLDS_FOR_P, most)
    for k in range(most, fewest - 1, -1):
        if epochs_for(k) >= enough:
            return plan(k, epochs_for(k))
    for k in range(fewest, 1, -1):
        if epochs_for(k) >= 1:
            return plan(k, epochs_for(k))
    return plan(2, 1)


def _enough(min_epochs: int, max_epochs: int | None) -> int:
    return min_epochs if max_epochs is None else min(min_epochs, max_epochs)


def _capped(epochs: int, max_epochs: int | None) -> int:
    return epochs if max_epochs is None else min(epochs, max_epochs)


def calibrate(
    exams: list[data.ExamSlices],
    *,
    preset: str,
    device: torch.device,
    batch_size: int,
    inference_batch: int,
    crop: int | None = None,
    node_batch: int | None = None,
) -> Costs:
    """Measure :class:`Costs` on two training batches (of ``node_batch`` slices for the NODE,
    ``batch_size`` when None, and of ``batch_size`` for the U-Net) and one inference batch of
    ``exams``' slices, each after one untimed run (kernel choice, allocator, imports)."""
    node_batch = node_batch or batch_size
    slices = _first_slices(exams, max(2 * batch_size, 2 * node_batch, inference_batch))

    def training(batch: int) -> data.PreparedData:
        return data.PreparedData([_truncated(slices, 2 * batch)], [], {"cases": {}})

    images = _truncated(slices, inference_batch).images
    node = _run(Kind.NODE, preset, node_batch, crop)
    unet = _run(Kind.UNET, preset, batch_size, crop)
    node_model, node_train = _train_seconds(node, training(node_batch), device)
    unet_model, unet_train = _train_seconds(unet, training(batch_size), device)
    node_model.eval()
    unet_model.eval()

    def flow():
        exam_contributions(node_model, images, CALIBRATION_STEPS + 1, inference_batch)

    return Costs(
        node_step=node_train / (2 * node_batch * CALIBRATION_STEPS),
        flow_step=_seconds(flow, device) / (len(images) * CALIBRATION_STEPS),
        unet_train=unet_train / (2 * batch_size),
        unet_infer=_seconds(lambda: segment(unet_model, images, inference_batch), device)
        / len(images),
    )


def _run(kind: Kind, preset: str, batch_size: int, crop: int | None) -> TrainingRun:
    return TrainingRun(
        kind=kind,
        target=Target.WT,
        preset=preset,
        sequences=tuple(CHANNEL_ORDER),
        steps=CALIBRATION_STEPS,
        seed=0,
        batch_size=batch_size,
        crop=crop,
        slice_rule=data.SliceRule.WT,
        default_scheme=LabelScheme.BRATS2020,
    )


def _train_seconds(run: TrainingRun, training: data.PreparedData, device) -> tuple:
    torch.manual_seed(0)
    model = build_model(run).to(device)
    with tempfile.TemporaryDirectory() as folder:

        def epoch():
            fit(*(model, run, training, 1, Path(folder)), **NO_CHECKPOINTS)

        return model, _seconds(epoch, device)


def _seconds(work, device: torch.device) -> float:
    """Wall seconds of ``work`` after one untimed run."""
    work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started


def _first_slices(exams: list[data.ExamSlices], count: int) -> data.ExamSlices:
    images = np.concatenate([exam.images for exam in exams])[:count]
    labels = np.concatenate([exam.labels for exam in exams])[:count]
    if len(images) < count:  # a tiny cohort: repeat its slices
        repeats = -(-count // len(images))
        images = np.tile(images, (repeats, 1, 1, 1))[:count]
        labels = np.tile(labels, (repeats, 1, 1))[:count]
    return data.ExamSlices("calibration", exams[0].scheme, images, labels)


def _truncated(exam: data.ExamSlices, count: int) -> data.ExamSlices:
    return data.ExamSlices(exam.name, exam.scheme, exam.images[:count], exam.labels[:count])
