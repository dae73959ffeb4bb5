"""Classic RK4 as a torchdyn [2] solver, so that training (torchdyn's adjoint) and inference (the
project's own loop, :mod:`segmentation.engine.rk4`) integrate eq. (1) of [1] with the same scheme.

torchdyn 1.0.6's ``"rk4"`` has the classic tableau, c = (0, ½, ½, 1), but its step evaluates k2,
k3 and k4 at t + c[0]Δt, t + c[1]Δt and t + c[2]Δt, i.e. at (t, t + Δt/2, t + Δt/2) instead of
(t + Δt/2, t + Δt/2, t + Δt). For an autonomous field f(I) nothing changes; for the time-aware
field f(I, t) the step integrates dx/dt = g(t) as Δt/2·(g(t) + g(t + Δt/2)), first order only
(``tests/segmentation/test_flow.py`` guards this). :class:`ClassicRK4` delegates its step to
:func:`segmentation.engine.rk4.rk4_step`, the one RK4 step of the project.

Importing this module imports torchdyn (and pytorch-lightning); inference code does not need it.

References
----------
[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
[2] Poli M., Massaroli S., et al. "TorchDyn: implicit models and neural numerical methods in
    PyTorch." 2021; torchdyn 1.0.6, ``numerics/solvers/ode.py::RungeKutta4.step``.
"""

from torchdyn.numerics.solvers.ode import RungeKutta4

from segmentation.engine.rk4 import rk4_step


class ClassicRK4(RungeKutta4):
    """torchdyn's fixed-step RK4 with the classic stage times, for forward and adjoint passes."""

    def step(self, f, x, t, dt, k1=None, args=None):
        # torchdyn passes dt as a 0-d tensor; the step scales tensors by it as a number
        return None, rk4_step(f, t, x, float(dt)), None
