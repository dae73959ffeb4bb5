"""One exploding batch must not end a training run.

A NODE trained on one RK4 step of size 1 leaves RK4's stability region once its field's Lipschitz
constant passes about 2.8: that batch's logits reach 1e7 and its gradient 1e20 (the paper preset
on the CPU, 7th Adam update). Adam keeps a gradient's square in its second moment for ~10⁴
updates, so without a guard every later update is ~1e-15 of its size and the model stays where
it was: on the H200 run of 2026-12-04 all three NODEs segmented nothing. Here one slice scaled by
1e8 plays that batch, in every epoch. The gradient's norm is summed in float64: its squares
overflow float32, where torch's clip_grad_norm_ would scale every gradient by 0 or NaN."""

import numpy as np
import pytest
import torch
from torch import nn

from imaging.labels import LabelScheme
from imaging.sequences import CHANNEL_ORDER
from segmentation.engine import data
from segmentation.engine.targets import Target
from segmentation.engine.training import (
    Kind,
    TrainingRun,
    _training_forward,
    build_model,
    clip_gradients,
    fit,
)
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)


def slices(count: int = 8, side: int = 16) -> data.ExamSlices:
    """Slices with a bright square of oedema (WT) in FLAIR and T2 on a dim brain."""
    rng = np.random.default_rng(0)
    images = rng.uniform(0.1, 0.3, (count, 4, side, side)).astype(np.float32)
    labels = np.zeros((count, side, side), np.uint8)
    for s in range(count):
        r, c = rng.integers(2, side - 6, size=2)
        labels[s, r : r + 4, c : c + 4] = 2
        images[s, [0, 3], r : r + 4, c : c + 4] = 0.9
    return data.ExamSlices("X-000", LabelScheme.BRATS2020, images, labels)


EXPLODING = 3  # the slice scaled by 1e8


def run(kind: Kind) -> TrainingRun:
    return TrainingRun(
        kind=kind,
        target=Target.WT,
        preset="small",
        sequences=tuple(CHANNEL_ORDER),
        steps=1,
        seed=0,
        batch_size=2,
        crop=None,
        slice_rule=data.SliceRule.WT,
        default_scheme=LabelScheme.BRATS2020,
    )


def later_progress(kind: Kind, exam: data.ExamSlices, folder) -> tuple[float, list[int]]:
    """How far the loss on the sound slices falls in epochs 2–5, after an epoch 1 whose Adam
    state is kept (the checkpoint resumes it), and the batches clipped or dropped per epoch."""
    folder.mkdir()
    torch.manual_seed(0)
    model = build_model(run(kind))
    prepared = data.PreparedData([exam], [], {"cases": {}})
    sound = [s for s in range(len(exam.labels)) if s != EXPLODING]
    x = torch.from_numpy(slices().images[sound])
    y = torch.from_numpy((exam.labels[sound, None] > 0).astype(np.float32))
    forward = _training_forward(model, run(kind))

    def loss() -> float:
        with torch.no_grad():
            return nn.functional.binary_cross_entropy_with_logits(forward(x), y).item()

    clipped: list[int] = []
    options = {"resume": True, "progress": False, "checkpoints": True, "clipped": clipped}
    fit(model, run(kind), prepared, 1, folder, **options)
    before = loss()
    fit(model, run(kind), prepared, 5, folder, **options)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    return before - loss(), clipped


def test_training_goes_on_after_a_batch_whose_gradient_explodes(tmp_path):
    exploding = slices()
    exploding.images[EXPLODING] *= 1e8
    fell_clean, clipped_clean = later_progress(Kind.NODE, slices(), tmp_path / "clean")
    fell, clipped = later_progress(Kind.NODE, exploding, tmp_path / "exploding")
    assert clipped_clean == [0] * 5
    assert clipped == [1] * 5  # the exploding batch, once per epoch
    # Unguarded, the loss fell 0.010 here against 0.196 without the exploding slice; clipped, 0.086
    assert fell > 0.25 * fell_clean > 0


def test_a_gradient_whose_squares_overflow_float32_is_scaled_to_the_limit_not_zeroed():
    weight = torch.nn.Parameter(torch.zeros(4, 3))
    weight.grad = torch.full((4, 3), 3e19)
    weight.grad[0, 0] = -3e19
    norm = clip_gradients([weight], 10.0)
    assert norm == pytest.approx(3e19 * 12**0.5, rel=1e-6)
    assert torch.linalg.vector_norm(weight.grad).item() == pytest.approx(10.0, rel=1e-5)
    assert weight.grad[0, 0] < 0 < weight.grad[1, 1]


def test_sound_gradients_are_left_alone_and_a_non_finite_one_is_reported():
    weight = torch.nn.Parameter(torch.zeros(2))
    weight.grad = torch.tensor([0.3, -0.4])
    assert clip_gradients([weight], 10.0) == pytest.approx(0.5)
    assert weight.grad.tolist() == pytest.approx([0.3, -0.4])
    weight.grad = torch.tensor([float("inf"), 1.0])
    assert not np.isfinite(clip_gradients([weight], 10.0))
