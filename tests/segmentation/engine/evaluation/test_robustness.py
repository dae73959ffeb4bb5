"""Axis 3, the FGSM sweep (spec B7, R-B7, D15): on a hand-set linear model the attack pushes every
pixel against its reference label, ε = 0 gives the clean Dice counted here with numpy, and a
larger ε never raises it; the project's U-Net goes through the same sweep."""

import numpy as np
import pytest
import torch
from torch import nn

from segmentation.engine.evaluation.robustness import EPSILONS, Case, fgsm_direction, fgsm_sweep
from segmentation.engine.nets import UNet, UNetConfig
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)

CPU = torch.device("cpu")


def linear_model() -> nn.Module:
    """logit = 4 · (intensity − 0.5): foreground where the one channel exceeds 0.5."""
    model = nn.Conv2d(1, 1, kernel_size=1)
    with torch.no_grad():
        model.weight.fill_(4.0)
        model.bias.fill_(-2.0)
    return model


def linear_cases(count: int = 4, seed: int = 0) -> list[Case]:
    """Smooth bright blobs; the reference is the blob a little off the model's threshold."""
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(np.arange(12), np.arange(12), indexing="ij"), axis=-1)
    cases = []
    for _ in range(count):
        centres = rng.uniform(3, 9, size=(3, 1, 1, 2))
        distance = np.linalg.norm(grid[None] - centres, axis=-1)  # (3 slices, 12, 12)
        image = np.exp(-((distance / 3.0) ** 2)) + rng.normal(0, 0.05, distance.shape)
        cases.append(Case(image[:, None].astype(np.float32), distance < 2.5))
    return cases


def dice(prediction: np.ndarray, reference: np.ndarray) -> float:
    return 2 * np.sum(prediction & reference) / (prediction.sum() + reference.sum())


def test_the_attack_pushes_every_pixel_against_its_reference_label():
    reference = torch.tensor([[[True, False], [False, True]]])
    direction = fgsm_direction(linear_model(), torch.full((1, 1, 2, 2), 0.5), reference)
    # a larger intensity raises the logit: the loss grows by darkening the foreground
    assert direction[:, 0].tolist() == [[[-1.0, 1.0], [1.0, -1.0]]]


def test_epsilon_zero_gives_the_clean_dice_of_each_patient():
    cases = linear_cases()
    clean = [dice(case.slices[:, 0] > 0.5, case.reference) for case in cases]
    first = fgsm_sweep(linear_model(), cases, device=CPU, epsilons=(0.0, 0.1))[0]
    assert first.epsilon == 0.0
    assert [c["dice"] for c in first.cases] == pytest.approx(clean)
    assert first.summary["dice"].mean == pytest.approx(np.mean(clean))


def test_a_larger_epsilon_never_raises_the_dice_of_a_linear_model():
    results = fgsm_sweep(linear_model(), linear_cases(), device=CPU)
    assert [r.epsilon for r in results] == list(EPSILONS)
    means = [r.summary["dice"].mean for r in results]
    assert all(later <= earlier for earlier, later in zip(means, means[1:], strict=False))
    assert means[-1] < means[0] - 0.5


def test_the_attack_costs_sensitivity_and_specificity_alike_on_a_linear_model():
    results = fgsm_sweep(linear_model(), linear_cases(), device=CPU, epsilons=(0.0, 1.0))
    for name in ("sensitivity", "specificity"):
        assert results[1].summary[name].mean < results[0].summary[name].mean, name


def test_pixels_outside_the_brain_mask_count_for_nothing():
    slices = np.zeros((1, 1, 4, 4), np.float32)
    slices[0, 0, :2] = 1.0  # the model finds the top half
    reference = np.zeros((1, 4, 4), bool)
    reference[0, :2, :2] = True  # the reference only its left quarter
    brain = np.zeros((1, 4, 4), bool)
    brain[0, :, :2] = True
    case = Case(slices, reference, within=brain)
    (clean,) = fgsm_sweep(linear_model(), [case], device=CPU, epsilons=(0.0,))
    assert clean.cases[0] == {"dice": 1.0, "sensitivity": 1.0, "specificity": 1.0}


def test_the_unet_of_the_project_goes_through_the_sweep_in_batches():
    torch.manual_seed(0)
    model = UNet(UNetConfig(in_channels=4, out_channels=1, base_width=4, depth=2))
    slices = np.random.default_rng(1).normal(size=(3, 4, 8, 8)).astype(np.float32)
    with torch.no_grad():
        # half foreground, no logit at the threshold: the midpoint of the two middle logits
        model.out.bias -= model(torch.as_tensor(slices)).quantile(0.5)
        clean = (model(torch.as_tensor(slices))[:, 0] > 0).numpy()
    assert 0.2 < clean.mean() < 0.8
    reference = np.zeros((3, 8, 8), bool)
    reference[:, 2:6, 2:6] = True
    results = fgsm_sweep(
        model, [Case(slices, reference)], device=CPU, epsilons=(0.0, 0.5), batch_size=2
    )
    assert results[0].cases[0]["dice"] == pytest.approx(dice(clean, reference))


def test_progress_hears_of_each_patient():
    heard = []
    fgsm_sweep(
        linear_model(),
        linear_cases(3),
        device=CPU,
        epsilons=(0.0,),
        progress=lambda done, total, message: heard.append((done, total)),
    )
    assert heard == [(1, 3), (2, 3), (3, 3)]


def test_the_model_is_attacked_in_eval_mode_and_left_in_its_mode():
    model = nn.Sequential(linear_model(), nn.Dropout(p=0.9))
    model.train()
    results = fgsm_sweep(model, linear_cases(2), device=CPU, epsilons=(0.0,))
    reference = fgsm_sweep(linear_model(), linear_cases(2), device=CPU, epsilons=(0.0,))
    assert results[0].cases == reference[0].cases  # dropout was off
    assert model.training
