"""A flow stage as one compiled graph: an RK4 step of eq. (1) of [1] and the packed BCF of eq. (5)
of the state it reaches, for exam flows on the CPU.

Run op by op, a stage writes and reads the state many times beside the four evaluations of the
vector field: each RK4 increment (x + Δt Σ a_ij k_j) and the BCF's weighting, comparison and
bit packing are passes of their own over (B, 4, H, W) floats, and every convolution is followed
by a ReLU pass. ``torch.compile`` (inductor) traces the whole stage into one graph: the
increments and the BCF become a few fused loops, and with frozen weights (``freezing``) oneDNN
runs each convolution with its ReLU as a post-op on weights packed once. The arithmetic is the
same RK4 step (:func:`segmentation.engine.rk4.rk4_step`); the states agree with the op-by-op
stage within float32 rounding (``tests/segmentation/engine/test_fused_stage.py``).

The cost is compilation: seconds per slice grid (H × W; the batch size is left symbolic) the
first time in a process, less once inductor's on-disk cache holds the graph. That pays for an
exam's flow (a hundred stages per batch of slices), not for one slice in the flow player, which
stays op by op.

Frozen weights are constants of the compiled graph: a stage is built for a model whose weights
no longer change (inference), and :func:`fused_stage` keeps one per model.

References
----------
[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
"""

import weakref
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch._inductor import config as inductor_config

from segmentation.engine.rk4 import rk4_step

# (x, t, dt) → (x at t + dt, its BCF packed four bits to a byte)
Stage = Callable[[Tensor, float, float], tuple[Tensor, Tensor]]

# A worker meets a few exam grids, each one compiled graph (two with batches of one slice);
# past dynamo's default of 8 graphs it would silently fall back to op by op.
_GRAPHS_PER_STAGE = 64

# model → {encode: compiled stage}; a graph holds the model's parts, not the model, so an entry
# goes when its model does
_GRAPHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _StageGraph(nn.Module):
    """The stage as a module, so that its weights are the module's and freeze with it."""

    def __init__(self, model: nn.Module, encode: Callable[[Tensor, Tensor], Tensor]):
        super().__init__()
        self.vector_field = model.vector_field
        self.head = model.head
        self.encode = encode

    def forward(self, x: Tensor, t: Tensor, dt: Tensor) -> tuple[Tensor, Tensor]:
        x = rk4_step(self.vector_field, t, x, dt)
        return x, self.encode(x, self.head.weight.view(-1))


# Pixels × RK4 steps from which a flow repays its compilation: about 30 s of op-by-op stages of
# the small preset on one core (≈ 6·10⁻⁷ s per pixel and step), three times a cold compilation.
# A 1 mm exam's ACC (45 slices, 100 steps, 197 × 233) is 2·10⁸; a test's few small slices, far
# less, stay op by op.
PAYING_PIXEL_STEPS = 5 * 10**7


def pays_off(slices: int, height: int, width: int, stages: int) -> bool:
    """Whether a flow of ``slices`` slices over ``stages`` stages is worth compiling."""
    return slices * height * width * (stages - 1) >= PAYING_PIXEL_STEPS


def fused_stage(model: nn.Module, encode: Callable[[Tensor, Tensor], Tensor]) -> Stage:
    """The compiled stage of ``model`` (a NODE segmenter in eval mode on its device), whose
    second output is ``encode(state, head weights)``; built once per model and ``encode``.

    Call it under ``torch.inference_mode()``: freezing applies to inference only.
    """
    cache = _GRAPHS.setdefault(model, {})
    if encode not in cache:
        cache[encode] = frozen(_StageGraph(model, encode))
    graph = cache[encode]

    def stage(x: Tensor, t: float, dt: float) -> tuple[Tensor, Tensor]:
        if not x.is_inference():  # I_0 from outside inference mode would need a graph of its own
            x = x.clone()
        if x.shape[0] > 1:  # the batch size symbolic: one graph serves every batch on a grid
            torch._dynamo.mark_dynamic(x, 0)
        # t and Δt as tensors: a Python float would be a constant of the graph, one per stage
        return graph(x, torch.tensor(t, dtype=torch.float64), torch.tensor(dt, dtype=torch.float64))

    return stage


def frozen(module: nn.Module) -> Callable[..., Tensor]:
    """``module`` compiled by inductor with its weights frozen, one graph per input shape
    (less where the caller marks a dimension dynamic).

    Compilation happens at a call with a new shape, so every call runs under the freezing
    setting: ``torch.compile(options={"freezing": True})`` is not read there, and without it
    the convolutions stay unfused aten calls.
    """
    torch._dynamo.config.recompile_limit = max(
        torch._dynamo.config.recompile_limit, _GRAPHS_PER_STAGE
    )
    compiled = torch.compile(module, dynamic=False)

    def call(*args: Tensor) -> Tensor:
        with inductor_config.patch(freezing=True):
            return compiled(*args)

    return call
