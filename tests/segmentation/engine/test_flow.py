"""The flow engine: RK4 against closed forms, its order and torchdyn; eqs. (4)–(6) of paper 000
on hand-computed examples; streaming exam ACC against full per-slice flows; the frame cache."""

import math
from itertools import pairwise

import numpy as np
import pytest
import torch

from segmentation.engine.flow import (
    RK4,
    ExamContributions,
    FlowCache,
    FlowKey,
    acc,
    acc_counts,
    bcf,
    contribution_counts,
    exam_acc,
    exam_contributions,
    integrate,
    rk4_step,
    segmentation_frame,
    shares,
    slice_flow,
    stage_grid,
)
from segmentation.engine.node import build_node, torchdyn_node
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
    ),
]


def solve(f, x0: float, steps: int) -> float:
    """x(1) of dx/dt = f(t, x), x(0) = x0, by ``steps`` own RK4 steps in float64."""
    *_, (t, x) = integrate(f, torch.tensor([x0], dtype=torch.float64), stage_grid(steps + 1))
    assert t == 1.0
    return x.item()


def exponential(t, x):
    return -2.0 * x  # x(t) = x0 e^{−2t}


def seasonal(t, x):
    return math.cos(t) * x  # x(t) = x0 e^{sin t}: the field depends on t


CLOSED_FORMS = [(exponential, math.exp(-2.0)), (seasonal, math.exp(math.sin(1.0)))]


def test_rk4_tableau_is_the_classic_one_torchdyn_builds():
    from torchdyn.numerics.solvers._constants import construct_rk4

    c, a, b, _ = construct_rk4(torch.float64)
    assert RK4.c == tuple(c.tolist()) == (0.0, 0.5, 0.5, 1.0)
    assert RK4.a[1:] == tuple(tuple(row.tolist()) for row in a)
    assert RK4.b == tuple(b.tolist())
    assert all(math.isclose(sum(row), c_i) for row, c_i in zip(RK4.a, RK4.c, strict=True))


@pytest.mark.parametrize(("field", "exact"), CLOSED_FORMS)
def test_rk4_reaches_the_closed_form_solution(field, exact):
    assert solve(field, 1.0, steps=100) == pytest.approx(exact, rel=1e-8)  # global error O(Δt⁴)


@pytest.mark.parametrize(("field", "exact"), CLOSED_FORMS)
def test_rk4_error_falls_sixteenfold_when_the_step_halves(field, exact):
    errors = [abs(solve(field, 1.0, steps) - exact) for steps in (8, 16, 32)]
    ratios = [coarse / fine for coarse, fine in pairwise(errors)]
    assert all(14 < ratio < 18 for ratio in ratios), ratios


def test_rk4_step_evaluates_stages_at_t_plus_c_dt():
    seen = []
    rk4_step(lambda t, x: seen.append(t) or x, 0.3, torch.ones(1), 0.1)
    assert seen == pytest.approx([0.3, 0.35, 0.35, 0.4])


def test_torchdyn_stock_rk4_is_first_order_on_a_time_dependent_field():
    """Why the project hands torchdyn its own step: stock "rk4" evaluates k2..k4 at the wrong t.

    If this fails, torchdyn has fixed it, and ``torchdyn_node`` may use the stock solver again.
    """
    from torchdyn.numerics import odeint

    def field(t, x):
        return torch.cos(t) * torch.ones_like(x)  # x(1) = sin 1

    errors = []
    for steps in (16, 32):
        t_span = torch.linspace(0, 1, steps + 1, dtype=torch.float64)
        _, solution = odeint(field, torch.zeros(1, dtype=torch.float64), t_span, solver="rk4")
        errors.append(abs(solution[-1].item() - math.sin(1.0)))
    assert 1.8 < errors[0] / errors[1] < 2.2


def test_integrate_yields_the_initial_state_and_then_every_stage():
    x0 = torch.ones(2)
    stages = list(integrate(exponential, x0, stage_grid(5)))
    assert [t for t, _ in stages] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert stages[0][1] is x0


def test_stage_grid_needs_both_ends():
    with pytest.raises(ValueError, match="at least 2"):
        stage_grid(1)


def own_trajectory(model, x0, stages):
    return torch.stack([x for _, x in integrate(model.vector_field, x0, stage_grid(stages))])


@pytest.fixture
def exact_float32():
    """cuDNN convolutions default to TF32, which rounds to 10 bits: parity needs true float32."""
    allowed = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32 = allowed


@pytest.mark.usefixtures("exact_float32")
@pytest.mark.parametrize("device", DEVICES)
def test_own_rk4_matches_torchdyn_stock_rk4_on_an_autonomous_field(device):
    torch.manual_seed(0)
    model = build_node("small", time_aware=False).to(device).eval()
    x0 = torch.rand(2, 4, 32, 40, device=device)
    with torch.no_grad():
        reference = torchdyn_node(model, 100, sensitivity="autograd", solver="rk4")(x0)
        assert (own_trajectory(model, x0, 101) - reference).abs().max() <= 1e-5


@pytest.mark.usefixtures("exact_float32")
@pytest.mark.parametrize("device", DEVICES)
def test_own_rk4_matches_torchdyn_with_classic_stage_times_on_the_time_aware_field(device):
    torch.manual_seed(0)
    model = build_node("small", time_aware=True).to(device).eval()
    x0 = torch.rand(2, 4, 32, 40, device=device)
    with torch.no_grad():
        reference = torchdyn_node(model, 100, sensitivity="autograd")(x0)
        assert (own_trajectory(model, x0, 101) - reference).abs().max() <= 1e-5


# The worked example of the spec (§A4): one pixel, four modalities.
W = torch.tensor([1.0, -0.5, 2.0, 0.5])
PIXEL = torch.tensor([0.2, 0.5, 0.9, 0.1]).view(4, 1, 1)


def test_segmentation_frame_is_the_sigmoid_of_the_weighted_sum():
    assert segmentation_frame(PIXEL, W).item() == pytest.approx(1 / (1 + math.exp(-1.8)))
    assert segmentation_frame(PIXEL, W).item() == pytest.approx(0.85815, abs=1e-5)


def test_bcf_marks_the_modality_that_outweighs_all_others():
    assert bcf(PIXEL, W).flatten().tolist() == [False, False, True, False]


def test_bcf_can_mark_several_modalities_where_the_weighted_sum_is_negative():
    pixel = torch.tensor([-1.0, -1.0, -1.0, 0.5]).view(4, 1, 1)
    assert bcf(pixel, torch.ones(4)).all()  # each beats the others' sum, −2.5


def test_bcf_vector_form_equals_the_difference_of_eq_5():
    I_t, w = torch.randn(3, 4, 8, 9), torch.randn(4)
    weighted = I_t * w.view(4, 1, 1)
    others = weighted.sum(1, keepdim=True) - weighted
    assert torch.equal(bcf(I_t, w), weighted - others > 0)


def test_acc_is_intersection_over_union_with_the_final_segmentation():
    eta = torch.zeros(4, 1, 4, dtype=torch.bool)  # FLAIR's BCF on a 1×4 slice; the others empty
    eta[0, 0] = torch.tensor([1, 1, 0, 0], dtype=torch.bool)
    gamma = torch.tensor([1, 0, 1, 0], dtype=torch.bool).view(1, 4)
    intersection, union = acc_counts(eta, gamma)
    assert (intersection.tolist(), union.tolist()) == ([1, 0, 0, 0], [3, 2, 2, 2])
    assert acc(intersection, union).tolist() == pytest.approx([1 / 3, 0, 0, 0])


def test_acc_is_nan_where_bcf_and_segmentation_are_both_empty():
    eta = torch.zeros(2, 4, 3, 3, dtype=torch.bool)
    eta[1, 0, 0, 0] = True
    intersection, union = acc_counts(eta, torch.zeros(2, 3, 3, dtype=torch.bool))
    mu = acc(intersection, union)
    assert np.isnan(mu[0]).all() and mu[1].tolist()[0] == 0.0 and np.isnan(mu[1, 1:]).all()


def test_acc_counts_from_packed_codes_equal_the_set_definition_at_every_stage_and_slice():
    torch.manual_seed(3)
    eta = torch.rand(5, 3, 4, 7, 9) > 0.5  # (stages, slices, 4, H, W)
    gamma = torch.rand(3, 7, 9) > 0.6  # one γ per slice, shared by its stages
    intersection, union = acc_counts(eta, gamma)
    assert torch.equal(intersection, (eta & gamma.unsqueeze(-3)).sum(dim=(-2, -1)))
    assert torch.equal(union, (eta | gamma.unsqueeze(-3)).sum(dim=(-2, -1)))


def packed(eta: torch.Tensor) -> torch.Tensor:
    """η (…, 4, H, W) as the BCF codes the engine keeps: η^k in bit k."""
    weights = (2 ** torch.arange(4, dtype=torch.uint8)).view(4, 1, 1)
    return (eta.to(torch.uint8) * weights).sum(-3, dtype=torch.uint8)


def test_the_share_of_gamma_is_the_part_of_gamma_each_sequence_marks():
    # A 2×3 slice, γ on 4 pixels; FLAIR marks 3 of them, T1 1 of them and 1 pixel beside it.
    gamma = torch.tensor([[1, 1, 0], [1, 1, 0]], dtype=torch.bool)
    eta = torch.zeros(4, 2, 3, dtype=torch.bool)
    eta[0] = torch.tensor([[1, 1, 0], [1, 0, 0]], dtype=torch.bool)
    eta[1] = torch.tensor([[0, 0, 1], [0, 1, 0]], dtype=torch.bool)
    counts = contribution_counts(packed(eta), gamma)
    gamma_share, _ = shares(counts.intersection, counts.outside, counts.gamma_pixels, 6)
    assert gamma_share.tolist() == pytest.approx([3 / 4, 1 / 4, 0, 0])


def test_the_share_of_background_is_the_part_outside_gamma_each_sequence_marks():
    # γ on 2 of 6 pixels; T1 marks 3 of the 4 outside it, T2 1 of them and γ whole.
    gamma = torch.tensor([[1, 0, 0], [1, 0, 0]], dtype=torch.bool)
    eta = torch.zeros(4, 2, 3, dtype=torch.bool)
    eta[1] = torch.tensor([[0, 1, 1], [0, 1, 0]], dtype=torch.bool)
    eta[3] = torch.tensor([[1, 0, 0], [1, 0, 1]], dtype=torch.bool)
    counts = contribution_counts(packed(eta), gamma)
    assert counts.outside.tolist() == [0, 3, 0, 1] and counts.gamma_pixels.item() == 2
    _, background_share = shares(counts.intersection, counts.outside, counts.gamma_pixels, 6)
    assert background_share.tolist() == pytest.approx([0, 3 / 4, 0, 1 / 4])


def test_a_share_is_nan_where_its_denominator_is_empty():
    eta = torch.ones(4, 2, 2, dtype=torch.bool)
    for gamma, undefined in ((torch.zeros(2, 2), 0), (torch.ones(2, 2), 1)):
        counts = contribution_counts(packed(eta), gamma.bool())
        both = shares(counts.intersection, counts.outside, counts.gamma_pixels, 4)
        assert np.isnan(both[undefined]).all() and (both[1 - undefined] == 1).all()


def test_the_share_counts_equal_the_set_definitions_at_every_stage_and_slice():
    torch.manual_seed(4)
    eta = torch.rand(5, 3, 4, 7, 9) > 0.5  # (stages, slices, 4, H, W)
    gamma = torch.rand(3, 7, 9) > 0.6
    counts = contribution_counts(packed(eta), gamma)
    outside = eta & ~gamma.unsqueeze(-3)
    assert torch.equal(counts.outside, outside.sum(dim=(-2, -1)))
    assert torch.equal(counts.gamma_pixels, gamma.sum(dim=(-2, -1)).expand(5, 3))
    assert torch.equal(counts.union, (eta | gamma.unsqueeze(-3)).sum(dim=(-2, -1)))


@pytest.fixture
def model():
    torch.manual_seed(1)
    return build_node("small").eval()


def test_slice_flow_frames_follow_eqs_4_to_6(model):
    x0 = torch.rand(4, 24, 28)
    flow = slice_flow(model, x0, stages=6)
    states = own_trajectory(model, x0.unsqueeze(0), 6)[:, 0].detach()
    assert flow.I_t.dtype == np.float16 and flow.I_t.shape == (6, 4, 24, 28)
    np.testing.assert_allclose(flow.I_t, states.numpy(), atol=2e-3)
    np.testing.assert_allclose(
        flow.J_t, segmentation_frame(states, model.weights).detach(), atol=1e-3
    )
    eta = bcf(states, model.weights).numpy()
    assert np.array_equal(flow.eta, eta)
    gamma = (segmentation_frame(states[-1], model.weights) > 0.5).numpy()
    assert np.array_equal(flow.gamma, gamma)
    by_hand = [
        [(e & gamma).sum() / (e | gamma).sum() if (e | gamma).any() else np.nan for e in eta_t]
        for eta_t in eta
    ]
    np.testing.assert_allclose(flow.mu, by_hand)
    with np.errstate(all="ignore"):
        by_hand_gamma = [[(e & gamma).sum() / gamma.sum() for e in eta_t] for eta_t in eta]
        by_hand_background = [[(e & ~gamma).sum() / (~gamma).sum() for e in eta_t] for eta_t in eta]
    np.testing.assert_allclose(flow.gamma_share, by_hand_gamma)
    np.testing.assert_allclose(flow.background_share, by_hand_background)


def test_slice_flow_last_frame_is_the_model_forward_sigmoid(model):
    x0 = torch.rand(4, 24, 28)
    flow = slice_flow(model, x0, stages=11)
    with torch.no_grad():
        logits = model(x0.unsqueeze(0), steps=10)[0, 0]
    np.testing.assert_allclose(flow.J_t[-1], torch.sigmoid(logits), atol=1e-3)
    assert np.array_equal(flow.gamma, (logits > 0).numpy())


def test_exam_acc_streamed_in_batches_equals_acc_from_full_slice_flows(model):
    volume = torch.rand(5, 4, 20, 26)
    volume[2] = 0  # a slice outside the brain
    streamed = exam_contributions(model, volume, stages=6, batch_size=2)
    flows = [slice_flow(model, x0, stages=6) for x0 in volume]
    assert np.array_equal(streamed.intersection, np.stack([f.intersection for f in flows]))
    assert np.array_equal(streamed.union, np.stack([f.union for f in flows]))
    mu = np.stack([f.mu for f in flows])
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(
            exam_acc(model, volume, stages=6, batch_size=3), np.nanmean(mu, 0)
        )
        np.testing.assert_allclose(streamed.acc_sd, np.nanstd(mu, 0), atol=1e-12)
        for share in ("gamma_share", "background_share"):
            per_slice = np.stack([getattr(f, share) for f in flows])
            np.testing.assert_allclose(getattr(streamed, share), np.nanmean(per_slice, 0))


def test_exam_acc_averages_only_the_slices_where_mu_is_defined():
    contributions = ExamContributions(
        t=np.array([0.0, 1.0]),
        intersection=np.array([[[1, 0, 0, 0]] * 2, [[0, 0, 0, 0]] * 2, [[3, 0, 0, 0]] * 2]),
        union=np.array([[[2, 0, 1, 0]] * 2, [[0, 0, 0, 0]] * 2, [[4, 0, 2, 0]] * 2]),
    )
    assert contributions.defined[0].tolist() == [2, 0, 2, 0]
    np.testing.assert_array_equal(contributions.acc[0], [0.625, np.nan, 0.0, np.nan])


def test_the_exam_shares_average_the_slices_where_they_are_defined():
    # 3 slices of 10 pixels with |γ| = 2, 0 and 4; FLAIR marks 1, 0 and 3 of γ, 4, 2 and 0 beside.
    contributions = ExamContributions(
        t=np.array([1.0]),
        intersection=np.array([[[1, 0, 0, 0]], [[0, 0, 0, 0]], [[3, 0, 0, 0]]]),
        union=np.array([[[6, 2, 2, 2]], [[2, 0, 0, 0]], [[4, 4, 4, 4]]]),
        outside=np.array([[[4, 0, 0, 0]], [[2, 0, 0, 0]], [[0, 0, 0, 0]]]),
        gamma_pixels=np.array([2, 0, 4]),
        pixels=10,
    )
    assert contributions.gamma_share[0].tolist() == pytest.approx([(1 / 2 + 3 / 4) / 2, 0, 0, 0])
    background = (4 / 8 + 2 / 10 + 0 / 6) / 3
    assert contributions.background_share[0].tolist() == pytest.approx([background, 0, 0, 0])


def test_exam_shares_need_the_counts_they_are_taken_from():
    contributions = ExamContributions(
        t=np.array([1.0]), intersection=np.zeros((1, 1, 4)), union=np.ones((1, 1, 4))
    )
    with pytest.raises(ValueError, match="without the shares"):
        _ = contributions.gamma_share


class Blob:
    def __init__(self, nbytes):
        self.nbytes = nbytes


def key(index: int) -> FlowKey:
    return FlowKey("model", ("flair", "t1", "t1ce", "t2"), slice_index=index, axis=2)


def test_flow_cache_evicts_the_least_recently_used_flow_to_stay_within_its_byte_budget():
    cache = FlowCache(max_bytes=100)
    for index in range(3):
        cache.put(key(index), Blob(40))
    assert key(0) not in cache and cache.nbytes == 80
    cache.get(key(1))
    cache.put(key(3), Blob(40))
    assert [k.slice_index for k in (key(1), key(3)) if k in cache] == [1, 3]
    assert key(2) not in cache and cache.nbytes <= 100


def test_flow_cache_returns_but_does_not_keep_a_flow_larger_than_its_budget():
    cache = FlowCache(max_bytes=100)
    big = cache.get_or_compute(key(0), lambda: Blob(101))
    assert big.nbytes == 101 and len(cache) == 0 and cache.nbytes == 0


def test_flow_cache_computes_a_slice_flow_once(model):
    calls = []

    def compute():
        calls.append(1)
        return slice_flow(model, torch.rand(4, 16, 16), stages=3)

    cache = FlowCache(max_bytes=10**6)
    first = cache.get_or_compute(key(0), compute)
    assert cache.get_or_compute(key(0), compute) is first and len(calls) == 1
    assert cache.nbytes == first.nbytes
