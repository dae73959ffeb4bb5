"""The neural-ODE segmenter of [1]: a U-Net vector field, classic RK4 on t ∈ [0, 1], a 1×1 head.

The state is the 4-channel slice I(t) ∈ ℝ^{B×4×H×W} in the order [FLAIR, T1, T1CE, T2]:

    (1)  dI(t)/dt = f(I(t), t, θ),   I(0) = I_0
    (2)  I_t = I_0 + ∫_0^t f(I(τ), τ, θ) dτ
    (3)  γ = σ(Σ_k w_k I_1^k)

f is :class:`~segmentation.engine.nets.TimeAwareUNet`; the head of eq. (3) is a bias-free 1×1
convolution 4→1, whose weights are the w_k of eqs. (4)–(6) (:mod:`segmentation.engine.flow`).
Inference integrates with the project's own RK4; training uses torchdyn's adjoint [2] through
:func:`torchdyn_node`, on the same vector field and with the same RK4 step
(:mod:`segmentation.engine.torchdyn_solver` says why not torchdyn's own).

References
----------
[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
[2] Poli M., Massaroli S., et al. "TorchDyn: implicit models and neural numerical methods in
    PyTorch." 2021; torchdyn 1.0.6.
"""

import hashlib
from collections import deque

import torch
from torch import Tensor, nn

from segmentation.engine.nets import TimeAwareUNet, UNetConfig
from segmentation.engine.rk4 import RK4, integrate, stage_grid

CHANNELS = ("FLAIR", "T1", "T1CE", "T2")
STEPS = 100  # Δt = 0.01, the paper's analysis grid (101 stages)


class NODESegmenter(nn.Module):
    """f of eq. (1) plus the head of eq. (3); ``forward`` returns the logits Σ_k w_k I_1^k."""

    def __init__(self, field: UNetConfig, steps: int = STEPS):
        super().__init__()
        if field.in_channels != len(CHANNELS):
            raise ValueError(f"the state has {len(CHANNELS)} channels {CHANNELS}")
        self.vector_field = TimeAwareUNet(field)
        self.head = nn.Conv2d(len(CHANNELS), 1, kernel_size=1, bias=False)
        self.steps = steps

    @classmethod
    def from_config(cls, config: dict) -> "NODESegmenter":
        """Rebuild the architecture that :meth:`config` described (weights not included)."""
        return cls(UNetConfig(**config["vector_field"]), steps=config["steps"])

    @property
    def weights(self) -> Tensor:
        """The per-modality head weights w_k of eq. (3), shape (4,), in channel order."""
        return self.head.weight.view(len(CHANNELS))

    def forward(self, x0: Tensor, steps: int | None = None) -> Tensor:
        """Logits of γ (eq. 3) at t = 1, shape (B, 1, H, W), integrated with the own RK4.

        Parameters
        ----------
        x0
            I_0, shape (B, 4, H, W).
        steps
            RK4 steps on [0, 1]; ``self.steps`` when omitted.
        """
        states = integrate(self.vector_field, x0, stage_grid((steps or self.steps) + 1))
        _, I_1 = deque(states, maxlen=1)[0]  # streaming: only the last state is kept
        return self.head(I_1)

    def config(self) -> dict:
        """JSON-able description for the model card (A11 of the spec)."""
        field = self.vector_field.config
        return {
            "kind": "node",
            "channels": list(CHANNELS),
            "vector_field": field.to_dict(),
            "time_aware": field.time_aware,
            "normalisation": "none",
            "head": "conv1x1 4->1, bias=False, sigmoid",
            "solver": "rk4",
            "stage_times": list(RK4.c),  # classic RK4, under torchdyn too
            "tolerance": "inert (fixed-step RK4)",
            "steps": self.steps,
        }


def build_node(preset: str, *, time_aware: bool = True) -> NODESegmenter:
    """A NODE segmenter whose vector field is the U-Net preset ``preset`` (4→4 channels)."""
    channels = len(CHANNELS)
    field = UNetConfig.from_preset(
        preset, in_channels=channels, out_channels=channels, time_aware=time_aware
    )
    return NODESegmenter(field)


def torchdyn_node(model: NODESegmenter, steps: int, sensitivity: str = "adjoint", solver=None):
    """torchdyn's ``NeuralODE`` on ``model.vector_field``: RK4 forward and adjoint, t_span fixed.

    ``node(x0)`` returns the trajectory (steps + 1, B, 4, H, W) on linspace(0, 1, steps + 1).

    Parameters
    ----------
    model
        Its vector field is wrapped, not copied: training through the node trains the model.
    steps
        RK4 steps on [0, 1]; the step size is the spacing of t_span (ambiguity A13).
    sensitivity
        "adjoint" (training, as in [1]), "autograd" or "interpolated_adjoint".
    solver
        Forward and adjoint solver. By default
        :class:`~segmentation.engine.torchdyn_solver.ClassicRK4`, the own RK4 step: torchdyn's
        stock ``"rk4"`` evaluates stages at the wrong t, which only an autonomous field does not
        notice (see that module). Pass ``"rk4"`` for the stock one.

    Notes
    -----
    The adjoint tolerances are set to odeint's defaults: they are inert for fixed-step RK4, and
    any other value makes torchdyn warn once per interval of every backward pass.
    """
    from torchdyn.core import NeuralODE  # heavy (pytorch-lightning); only training needs it

    if solver is None:
        from segmentation.engine.torchdyn_solver import ClassicRK4

        solver = ClassicRK4()
    node = NeuralODE(
        model.vector_field,
        solver=solver,
        sensitivity=sensitivity,
        solver_adjoint=solver if isinstance(solver, str) else None,  # None: the same instance
        atol_adjoint=1e-3,
        rtol_adjoint=1e-3,
        return_t_eval=False,
    )
    node.t_span = torch.linspace(0.0, 1.0, steps + 1)
    return node


def weights_hash(model: nn.Module) -> str:
    """SHA-256 of the state dict (names, dtypes, shapes and values), for cache keys and cards."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        value = tensor.detach().to("cpu").contiguous()
        digest.update(f"{name}:{value.dtype}:{tuple(value.shape)}".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
