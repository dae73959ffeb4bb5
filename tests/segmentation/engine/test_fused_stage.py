"""The compiled flow stage: the same RK4 step and BCF as op by op, within float32 rounding, on the
model it was built for, compiled once per batch shape."""

import numpy as np
import pytest
import torch
from torch._dynamo.utils import counters

from segmentation.engine.flow import bcf_code, exam_contributions, prepare_for_inference
from segmentation.engine.fused_stage import fused_stage, pays_off
from segmentation.engine.node import build_node, torchdyn_node
from segmentation.engine.rk4 import rk4_step, stage_grid
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)

SHAPE = (2, 4, 32, 40)


def node(seed: int):
    torch.manual_seed(seed)
    model = build_node("small").eval()
    prepare_for_inference(model)
    return model


@pytest.fixture(scope="module")
def model():
    return node(0)


def fused_trajectory(model, x0, stages):
    stage, states, t_grid = fused_stage(model, bcf_code), [x0], stage_grid(stages)
    with torch.inference_mode():
        for t, t_next in zip(t_grid, t_grid[1:], strict=False):
            states.append(stage(states[-1], t, t_next - t)[0])
    return torch.stack(states)


def test_a_fused_stage_takes_the_rk4_step_and_packs_the_bcf_of_its_state(model):
    x = torch.rand(SHAPE)
    with torch.inference_mode():
        state, code = fused_stage(model, bcf_code)(x, 0.25, 0.01)
        expected = rk4_step(model.vector_field, 0.25, x, 0.01)
        assert (state - expected).abs().max() <= 1e-6
        assert torch.equal(code, bcf_code(state, model.weights))


def test_a_fused_flow_matches_torchdyn_with_classic_stage_times(model):
    x0 = torch.rand(SHAPE)
    with torch.inference_mode():
        reference = torchdyn_node(model, 100, sensitivity="autograd")(x0)
    assert (fused_trajectory(model, x0, 101) - reference).abs().max() <= 1e-5


def test_a_fused_stage_follows_the_weights_of_its_own_model(model):
    other, x = node(1), torch.rand(SHAPE)
    with torch.inference_mode():
        for each in (model, other):
            state, _ = fused_stage(each, bcf_code)(x, 0.5, 0.01)
            assert (state - rk4_step(each.vector_field, 0.5, x, 0.01)).abs().max() <= 1e-6


def test_a_fused_stage_compiles_once_for_every_stage_time(model):
    x0 = torch.rand(SHAPE)
    fused_trajectory(model, x0, 2)  # compiled here, or by an earlier test
    graphs = counters["stats"]["unique_graphs"]
    fused_trajectory(model, x0, 11)
    assert counters["stats"]["unique_graphs"] == graphs


def test_a_fused_stage_compiles_once_for_every_batch_size_on_a_grid(model):
    fused_trajectory(model, torch.rand(SHAPE), 2)
    graphs = counters["stats"]["unique_graphs"]
    fused_trajectory(model, torch.rand(SHAPE[0] + 3, *SHAPE[1:]), 2)
    assert counters["stats"]["unique_graphs"] == graphs


def test_compiled_exam_contributions_count_as_the_op_by_op_ones(model):
    volume = torch.rand(3, *SHAPE[1:])
    compiled = exam_contributions(model, volume, stages=6, batch_size=2, compiled=True)
    op_by_op = exam_contributions(model, volume, stages=6, batch_size=2)
    for name in ("intersection", "union", "outside", "gamma_pixels"):
        np.testing.assert_array_equal(getattr(compiled, name), getattr(op_by_op, name))


def test_an_exams_acc_repays_compiling_and_a_few_small_slices_do_not():
    assert pays_off(slices=45, height=197, width=233, stages=101)
    assert not pays_off(slices=3, height=32, width=40, stages=101)


def test_a_small_flow_runs_op_by_op_when_compiling_is_left_to_whether_it_pays(model):
    graphs = counters["stats"]["unique_graphs"]
    exam_contributions(model, torch.rand(3, 4, 12, 16), stages=3, batch_size=2, compiled="auto")
    assert counters["stats"]["unique_graphs"] == graphs
