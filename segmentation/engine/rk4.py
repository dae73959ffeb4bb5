"""Classic fourth-order Runge–Kutta for eq. (1) of [1], dI/dt = f(I(t), t, θ), on fixed grids.

The tableau is the classic one, the same torchdyn [2] builds for its ``"rk4"``; the step evaluates
stage i at t + c_i Δt (torchdyn's own step does not: :mod:`segmentation.engine.torchdyn_solver`).
The step is written for tensors of any shape and any device, and is differentiable.

References
----------
[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
[2] Poli M., Massaroli S., et al. "TorchDyn: implicit models and neural numerical methods in
    PyTorch." 2021; torchdyn 1.0.6, ``numerics/solvers/_constants.py::construct_rk4``.
"""

from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from typing import NamedTuple

from torch import Tensor

VectorField = Callable[[float, Tensor], Tensor]


class ButcherTableau(NamedTuple):
    """An explicit Runge–Kutta scheme: k_i = f(t + c_i Δt, x + Δt Σ_j a_ij k_j),
    x(t + Δt) = x + Δt Σ_i b_i k_i; row i of ``a`` holds its i coefficients a_ij, j < i."""

    c: tuple[float, ...]
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]


RK4 = ButcherTableau(
    c=(0.0, 1 / 2, 1 / 2, 1.0),
    a=((), (1 / 2,), (0.0, 1 / 2), (0.0, 0.0, 1.0)),
    b=(1 / 6, 1 / 3, 1 / 3, 1 / 6),
)


def rk4_step(f: VectorField, t: float, x: Tensor, dt: float) -> Tensor:
    """One classic RK4 step of dx/dt = f(t, x) from (t, x) to t + dt (local error O(dt⁵))."""
    k: list[Tensor] = []
    for c_i, a_i in zip(RK4.c, RK4.a, strict=True):
        k.append(f(t + c_i * dt, _increment(x, dt, a_i, k)))
    return _increment(x, dt, RK4.b, k)


def _increment(x: Tensor, dt: float, weights: tuple[float, ...], k: list[Tensor]) -> Tensor:
    """x + Δt Σ_j weights_j k_j, skipping zero weights (the first stage is x itself)."""
    terms = [weight * k_j for weight, k_j in zip(weights, k, strict=True) if weight]
    return x + dt * sum(terms[1:], terms[0]) if terms else x


def stage_grid(stages: int) -> list[float]:
    """``stages`` equally spaced stages from t = 0 to t = 1, both included."""
    if stages < 2:
        raise ValueError(f"a flow needs at least 2 stages (t = 0 and t = 1), got {stages}")
    return [index / (stages - 1) for index in range(stages)]


def integrate(
    f: VectorField, x0: Tensor, t_grid: Sequence[float]
) -> Iterator[tuple[float, Tensor]]:
    """Eq. (2) of [1], I_t = I_0 + ∫_0^t f dτ, by RK4 from grid point to grid point.

    Yields ``(t, x)`` for every t of ``t_grid``, the first being ``(t_grid[0], x0)``; a consumer
    that drops each x holds one state at a time.
    """
    t_grid = [float(t) for t in t_grid]
    x = x0
    yield t_grid[0], x
    for t, t_next in pairwise(t_grid):
        x = rk4_step(f, t, x, t_next - t)
        yield t_next, x
