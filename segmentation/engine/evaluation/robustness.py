"""Axis 3, robustness to the fast gradient sign method (FGSM; spec B7, R-B7, D15; Goodfellow,
Shlens, Szegedy 2015).

A model maps slices x of shape (N, C, H, W) to logits f(x) of shape (N, 1, H, W) (the U-Net of
:mod:`segmentation.engine.nets` and the NODE of :mod:`segmentation.engine.node` both do). For the
reference y the white-box attack is

    x_ε = x + ε · sign(∇_x L(f(x), y)),   L = binary cross-entropy with logits,

one gradient per slice, shared by every ε, on the normalised intensities as the model sees them
(no clamping: normalised MR has no fixed range). The prediction is f(x_ε) > 0 (σ > 0.5, as in
:func:`segmentation.engine.predict.predict_exam`). Per ε and patient, Dice, sensitivity and
specificity over the patient's slices (inside its brain mask when given); per ε their mean over
patients with the 95% percentile bootstrap interval of
:func:`segmentation.engine.evaluation.performance.bootstrap_mean`. ε = 0 is the clean image.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from segmentation.engine.evaluation.performance import MeanInterval, bootstrap_mean, counts_within
from segmentation.engine.metrics import ConfusionCounts

EPSILONS = (0.0, 0.005, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)  # the paper's grid (D15)
SWEEP_METRICS = ("dice", "sensitivity", "specificity")
BATCH_SIZE = 16


class Case(NamedTuple):
    """One patient: its slices (N, C, H, W), reference (N, H, W) and optional brain mask."""

    slices: np.ndarray
    reference: np.ndarray
    within: np.ndarray | None = None


@dataclass(frozen=True)
class EpsilonResult:
    epsilon: float
    cases: list[dict[str, float]]  # per patient, SWEEP_METRICS by name
    summary: dict[str, MeanInterval]  # per metric

    def to_dict(self) -> dict:
        return {
            "epsilon": self.epsilon,
            "cases": self.cases,
            "summary": {name: interval.to_dict() for name, interval in self.summary.items()},
        }


def fgsm_direction(model: nn.Module, slices: Tensor, reference: Tensor) -> Tensor:
    """sign(∇_x L(f(x), y)) for a batch; only the input's gradient is computed."""
    x = slices.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)[:, 0]
        loss = F.binary_cross_entropy_with_logits(logits, reference.to(logits), reduction="sum")
        (gradient,) = torch.autograd.grad(loss, x)
    return gradient.sign()


def _case_counts(
    model: nn.Module, case: Case, epsilons: Sequence[float], device, batch_size: int
) -> list[ConfusionCounts]:
    """The counts of f(x_ε) > 0 against the reference, per ε, summed over the case's batches."""
    totals = np.zeros((len(epsilons), 4), dtype=np.int64)
    within = np.ones(case.reference.shape, bool) if case.within is None else case.within
    for start in range(0, len(case.slices), batch_size):
        batch = slice(start, start + batch_size)
        x = torch.as_tensor(case.slices[batch], dtype=torch.float32, device=device)
        y = torch.as_tensor(np.asarray(case.reference[batch]) != 0, device=device)
        direction = fgsm_direction(model, x, y)
        for row, epsilon in enumerate(epsilons):
            with torch.no_grad():
                prediction = (model(x + epsilon * direction)[:, 0] > 0).cpu().numpy()
            counts = counts_within(prediction, case.reference[batch], within[batch])
            totals[row] += (counts.tp, counts.fp, counts.fn, counts.tn)
    return [ConfusionCounts(*map(int, row)) for row in totals]


def fgsm_sweep(
    model: nn.Module,
    cases: Sequence[Case],
    *,
    device: torch.device,
    epsilons: Sequence[float] = EPSILONS,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[EpsilonResult]:
    """The FGSM sweep of the module over ``cases``, one :class:`EpsilonResult` per ε.

    Parameters
    ----------
    model
        Already on ``device``; evaluated in eval mode (its mode is restored afterwards).
    cases
        :class:`Case` tuples, one per patient.
    device
        Where the slices are sent (the model's device).
    progress
        ``progress(done, total, message)`` after each patient.
    """
    was_training = model.training
    model.eval()
    try:
        per_case = []
        for done, case in enumerate(cases, start=1):
            per_case.append(_case_counts(model, case, epsilons, device, batch_size))
            if progress is not None:
                progress(done, len(cases), f"FGSM: patient {done} of {len(cases)}")
    finally:
        model.train(was_training)
    results = []
    for row, epsilon in enumerate(epsilons):
        metrics = [
            {name: counts[row].overlap()[name] for name in SWEEP_METRICS} for counts in per_case
        ]
        summary = {name: bootstrap_mean([m[name] for m in metrics]) for name in SWEEP_METRICS}
        results.append(EpsilonResult(float(epsilon), metrics, summary))
    return results
