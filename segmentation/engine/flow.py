"""The flow engine of [1]: classic RK4 and the frames I_t, J_t, BCF η_t and ACC μ_t along a flow.

A flow integrates eq. (1) of [1], dI/dt = f(I(t), t, θ), from I_0 on a grid of stages in [0, 1]
(default Δt = 0.01: 101 stages) with fixed-step classic RK4 (:mod:`segmentation.engine.rk4`, the
tableau torchdyn [2] uses), batched over slices on the model's device. Along it, with the head
weights w_k and S_t = Σ_k w_k I_t^k:

    (4)  J_t = σ(S_t)                                      segmentation frame
    (5)  η_t^k = [w_k I_t^k − Σ_{n≠k} w_n I_t^n > 0] = [2 w_k I_t^k > S_t]     BCF
    (6)  μ_t^k = |η_t^k ∩ γ| / |η_t^k ∪ γ|,  γ = [J_1 > 0.5]                 ACC

μ is NaN where the union is empty (ambiguity A9 of the spec). Beside eq. (6), which the paper
plots, the same counts give two decompositions that say where each sequence's marks fall:

    share of γ           |η_t^k ∩ γ| / |γ|      the part of the final segmentation k marks
    share of background  |η_t^k ∖ γ| / |¬γ|     the part of the rest of the slice k marks

¬γ is the whole slice the flow integrates (every pixel of the H × W grid outside γ, the air
around the head included), the domain eq. (6)'s union is counted on. Either share is NaN where
its denominator is 0.

γ is known only at t = 1, so a flow keeps its BCF bits packed four to a byte, (stages, slices,
H, W) uint8, until γ arrives and the counts can be taken; a batch then drops them. This costs
one integration, where re-integrating after γ would cost two, and 5.8 MB per 240×240 slice at
101 stages: an exam's ACC streams in a few hundred MB, where its float32 trajectories would need
14 GB. The counts come from a histogram of the packed codes (:func:`contribution_counts`),
never from unpacked maps.

References
----------
[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
[2] Poli M., Massaroli S., et al. "TorchDyn: implicit models and neural numerical methods in
    PyTorch." 2021; torchdyn 1.0.6.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, NamedTuple

import numpy as np
import torch
from torch import Tensor

from segmentation.engine.flow_cache import FlowCache, FlowKey
from segmentation.engine.fused_stage import Stage, fused_stage, pays_off
from segmentation.engine.heap import keep_heap
from segmentation.engine.nets import UNet
from segmentation.engine.rk4 import RK4, ButcherTableau, integrate, rk4_step, stage_grid

__all__ = [
    "RK4",
    "ButcherTableau",
    "ContributionCounts",
    "ExamContributions",
    "FlowCache",
    "FlowKey",
    "SliceFlow",
    "acc",
    "acc_counts",
    "bcf",
    "bcf_code",
    "code_counts",
    "contribution_counts",
    "exam_acc",
    "exam_contributions",
    "integrate",
    "prepare_for_inference",
    "rk4_step",
    "segmentation_frame",
    "shares",
    "slice_flow",
    "stage_grid",
    "weighted_sum",
]

_BITS = torch.arange(4, dtype=torch.uint8)  # channel k of η is bit k of the packed BCF code
_CODES = 16  # the values a packed code takes
_CODE_BITS = (torch.arange(_CODES).view(_CODES, 1) >> torch.arange(4)) & 1  # (code, k): η^k set


def weighted_sum(I_t: Tensor, w: Tensor) -> Tensor:
    """S_t = Σ_k w_k I_t^k over the channel axis (−3) of ``I_t`` (…, 4, H, W) → (…, H, W)."""
    return (I_t * w.view(-1, 1, 1)).sum(dim=-3)


def segmentation_frame(I_t: Tensor, w: Tensor) -> Tensor:
    """Eq. (4): J_t = σ(Σ_k w_k I_t^k), shape (…, H, W); J_1 is γ before binarisation (eq. 3)."""
    return torch.sigmoid(weighted_sum(I_t, w))


def bcf(I_t: Tensor, w: Tensor) -> Tensor:
    """Eq. (5): η_t^k = [w_k I_t^k − Σ_{n≠k} w_n I_t^n > 0] = [2 w_k I_t^k > S_t].

    ``I_t`` (…, 4, H, W) → bool (…, 4, H, W); several k may hold at one pixel where S_t < 0.
    """
    weighted = I_t * w.view(-1, 1, 1)
    return 2 * weighted > weighted.sum(dim=-3, keepdim=True)


def acc_counts(eta: Tensor, gamma: Tensor) -> tuple[Tensor, Tensor]:
    """|η_t^k ∩ γ| and |η_t^k ∪ γ| of eq. (6): η (…, 4, H, W) and γ (…, H, W) → (…, 4) each."""
    return code_counts(_pack(eta), gamma)


def code_counts(code: Tensor, gamma: Tensor) -> tuple[Tensor, Tensor]:
    """:func:`acc_counts` of the packed BCF ``code`` (…, H, W) uint8 against γ (…, H, W)."""
    counts = contribution_counts(code, gamma)
    return counts.intersection, counts.union


class ContributionCounts(NamedTuple):
    """The counts of one histogram pass over packed BCF codes (…, H, W) against γ."""

    intersection: Tensor  # (…, 4) |η^k ∩ γ|
    union: Tensor  # (…, 4) |η^k ∪ γ|
    outside: Tensor  # (…, 4) |η^k ∖ γ|
    gamma_pixels: Tensor  # (…,) |γ|; |¬γ| is H·W − |γ|


def contribution_counts(code: Tensor, gamma: Tensor) -> ContributionCounts:
    """The counts of eq. (6) and of its two shares, from the packed BCF ``code`` (…, H, W).

    Each map's 2 × 16 histogram of (γ, code) gives |η^k ∩ γ| (γ set, bit k set), |η^k| and
    |γ|; then |η^k ∪ γ| = |η^k| + |γ| − |η^k ∩ γ| and |η^k ∖ γ| = |η^k| − |η^k ∩ γ|. Counting
    the unpacked bool maps instead would widen them to int64 (32 bytes per pixel and stage); on
    the CPU those copies, freed between the small counts that outlive them, fragmented glibc's
    heap to 5 GB over one exam.
    """
    gamma = gamma.expand(code.shape)
    maps = code.numel() // (code.shape[-2] * code.shape[-1])
    key = (code | (gamma.to(torch.uint8) << 4)).reshape(maps, -1).to(torch.int32)
    key += 2 * _CODES * torch.arange(maps, dtype=torch.int32, device=code.device).view(-1, 1)
    hist = torch.bincount(key.flatten(), minlength=2 * _CODES * maps).view(maps, 2, _CODES)
    bits = _CODE_BITS.to(code.device)
    inside, marked = hist[:, 1], hist.sum(dim=1)  # per code: pixels in γ, pixels in all
    intersection = (inside.unsqueeze(-1) * bits).sum(dim=1)
    marked_k = (marked.unsqueeze(-1) * bits).sum(dim=1)
    gamma_pixels = inside.sum(dim=1)
    lead = code.shape[:-2]
    return ContributionCounts(
        intersection=intersection.view(*lead, 4),
        union=(marked_k + gamma_pixels.unsqueeze(-1) - intersection).view(*lead, 4),
        outside=(marked_k - intersection).view(*lead, 4),
        gamma_pixels=gamma_pixels.view(lead),
    )


def acc(intersection: np.ndarray, union: np.ndarray) -> np.ndarray:
    """Eq. (6): μ = |η ∩ γ| / |η ∪ γ| elementwise, NaN where the union is empty."""
    intersection, union = np.asarray(intersection), np.asarray(union)
    mu = np.full(union.shape, np.nan)
    return np.divide(intersection, union, out=mu, where=union > 0)


def shares(
    intersection: np.ndarray, outside: np.ndarray, gamma_pixels: np.ndarray, pixels: int
) -> tuple[np.ndarray, np.ndarray]:
    """The share of γ, |η ∩ γ| / |γ|, and the share of the background, |η ∖ γ| / |¬γ|, of
    counts (…, 4) with |γ| (…) on maps of ``pixels`` pixels; NaN where |γ| or |¬γ| is 0."""
    gamma_pixels = np.asarray(gamma_pixels)[..., np.newaxis]
    gamma = np.broadcast_to(gamma_pixels, np.shape(intersection))
    background = np.broadcast_to(pixels - gamma_pixels, np.shape(outside))
    return acc(intersection, gamma), acc(outside, background)


def bcf_code(I_t: Tensor, w: Tensor) -> Tensor:
    """Eq. (5) packed: η_t^k of ``I_t`` (…, 4, H, W) in bit k of a uint8 (…, H, W)."""
    return _pack(bcf(I_t, w))


def _pack(eta: Tensor) -> Tensor:
    return (eta.to(torch.uint8) << _BITS.to(eta.device).view(4, 1, 1)).sum(-3, dtype=torch.uint8)


def _unpack(code: Tensor) -> Tensor:
    return ((code.unsqueeze(-3) >> _BITS.to(code.device).view(4, 1, 1)) & 1).bool()


class _Trace(NamedTuple):
    t: list[float]
    intersection: Tensor  # (T, B, 4)
    union: Tensor
    outside: Tensor  # (T, B, 4) |η ∖ γ|
    gamma_pixels: Tensor  # (B,) |γ|
    code: Tensor  # (T, B, H, W) uint8, η packed
    gamma: Tensor  # (B, H, W) bool
    images: Tensor | None  # I_t, (T, B, 4, H, W) float16 on the CPU, if kept
    frames: Tensor | None  # J_t, (T, B, H, W) float16 on the CPU, if kept


StageCallback = Callable[[int, int], None]  # (stages done, stages in all), after each stage


def _trace(
    model,
    x0: Tensor,
    stages: int,
    keep_frames: bool,
    on_stage: StageCallback | None = None,
    advance: Stage | None = None,
) -> _Trace:
    """One integration of a batch, keeping the BCF packed until γ is known (module docstring).
    ``advance`` takes a stage to the next; by default op by op (:func:`_stage`)."""
    w = model.weights
    advance = advance or functools.partial(_stage, model)
    t_grid = stage_grid(stages)
    batch, _, height, width = x0.shape
    code = torch.empty((stages, batch, height, width), dtype=torch.uint8, device=x0.device)
    images = frames = None
    if keep_frames:
        images = torch.empty((stages, *x0.shape), dtype=torch.float16)
        frames = torch.empty((stages, batch, height, width), dtype=torch.float16)

    def record(index: int, I_t: Tensor, code_t: Tensor) -> None:
        code[index] = code_t
        if keep_frames:
            images[index] = I_t
            frames[index] = segmentation_frame(I_t, w)
        if on_stage is not None:
            on_stage(index + 1, stages)

    I_t = x0
    record(0, I_t, bcf_code(I_t, w))
    for index, (t, t_next) in enumerate(pairwise(t_grid), start=1):
        I_t, code_t = advance(I_t, t, t_next - t)
        record(index, I_t, code_t)
    gamma = segmentation_frame(I_t, w) > 0.5
    counts = [contribution_counts(code_t, gamma) for code_t in code]
    intersection, union, outside, _ = (torch.stack(c) for c in zip(*counts, strict=True))
    gamma_pixels = counts[0].gamma_pixels  # γ is the same at every stage
    return _Trace(t_grid, intersection, union, outside, gamma_pixels, code, gamma, images, frames)


def _stage(model, I_t: Tensor, t: float, dt: float) -> tuple[Tensor, Tensor]:
    """One stage op by op: the RK4 step from t to t + Δt and the packed BCF of its state."""
    I_t = rk4_step(model.vector_field, t, I_t, dt)
    return I_t, bcf_code(I_t, model.weights)


def prepare_for_inference(model) -> torch.device:
    """The model's device, for masks (segmentation.engine.predict) and flows alike. On the CPU
    its parameters are made channels-last, which changes their layout, not their values:
    oneDNN's convolutions at 8–64 channels then run ≈1.8× faster (a NODE's masks of a 1 mm exam
    2.0×, the same voxels); its U-Nets merge their skips in parts (``UNet._merge``); and the
    process keeps its heap (:mod:`segmentation.engine.heap`)."""
    device = next(model.parameters()).device
    if device.type == "cpu":
        model.to(memory_format=torch.channels_last)
        for unet in (module for module in model.modules() if isinstance(module, UNet)):
            unet.merge_in_parts = True
        keep_heap()
    return device


@dataclass(frozen=True, eq=False)
class SliceFlow:
    """The flow of one slice: T stages, frames compact (float16 images, BCF packed in bits)."""

    t: np.ndarray  # (T,)
    I_t: np.ndarray  # (T, 4, H, W) float16, the image flow
    J_t: np.ndarray  # (T, H, W) float16, eq. (4)
    bcf_code: np.ndarray  # (T, H, W) uint8, η_t^k in bit k
    gamma: np.ndarray  # (H, W) bool, [J_1 > 0.5] from the float32 state
    intersection: np.ndarray  # (T, 4) |η_t^k ∩ γ|
    union: np.ndarray  # (T, 4) |η_t^k ∪ γ|
    outside: np.ndarray  # (T, 4) |η_t^k ∖ γ|

    @property
    def eta(self) -> np.ndarray:
        """Eq. (5): the BCF η_t, bool (T, 4, H, W), unpacked from ``bcf_code``."""
        return _unpack(torch.from_numpy(self.bcf_code)).numpy()

    @property
    def mu(self) -> np.ndarray:
        """Eq. (6): the ACC μ_t, (T, 4), NaN where the union is empty."""
        return acc(self.intersection, self.union)

    @property
    def gamma_share(self) -> np.ndarray:
        """|η_t^k ∩ γ| / |γ|, (T, 4): the part of γ that sequence k marks; NaN for an empty γ."""
        return self._shares[0]

    @property
    def background_share(self) -> np.ndarray:
        """|η_t^k ∖ γ| / |¬γ|, (T, 4): the part of the slice outside γ that k marks."""
        return self._shares[1]

    @property
    def _shares(self) -> tuple[np.ndarray, np.ndarray]:
        return shares(self.intersection, self.outside, self.gamma.sum(), self.gamma.size)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.__dataclass_fields__)


def slice_flow(
    model,
    x0_slice: Tensor | np.ndarray,
    stages: int = 101,
    on_stage: StageCallback | None = None,
) -> SliceFlow:
    """The frames of one slice, computed on the model's device.

    Parameters
    ----------
    model
        A :class:`~segmentation.engine.node.NODESegmenter` (``vector_field`` and ``weights``).
    x0_slice
        I_0, shape (4, H, W), channels [FLAIR, T1, T1CE, T2].
    stages
        Grid points on [0, 1], both ends included.
    on_stage
        Called with (done, stages) after each stage, e.g. to report progress; an exception it
        raises stops the integration (a viewer's superseded request).
    """
    x0 = (
        torch.as_tensor(x0_slice, dtype=torch.float32).to(prepare_for_inference(model)).unsqueeze(0)
    )
    with torch.inference_mode():
        trace = _trace(model, x0, stages, keep_frames=True, on_stage=on_stage)
    return SliceFlow(
        t=np.asarray(trace.t),
        I_t=trace.images[:, 0].numpy(),
        J_t=trace.frames[:, 0].numpy(),
        bcf_code=trace.code[:, 0].cpu().numpy(),
        gamma=trace.gamma[0].cpu().numpy(),
        intersection=trace.intersection[:, 0].cpu().numpy(),
        union=trace.union[:, 0].cpu().numpy(),
        outside=trace.outside[:, 0].cpu().numpy(),
    )


@dataclass(frozen=True)
class ExamContributions:
    """The counts of eq. (6) for every slice of an exam, and the exam's ACC from them; with
    ``outside``, ``gamma_pixels`` and ``pixels`` also the exam's two shares (module docstring).
    """

    t: np.ndarray  # (T,)
    intersection: np.ndarray  # (S, T, 4)
    union: np.ndarray  # (S, T, 4)
    outside: np.ndarray | None = None  # (S, T, 4) |η ∖ γ|
    gamma_pixels: np.ndarray | None = None  # (S,) |γ|
    pixels: int | None = None  # H·W of every slice

    @property
    def mu(self) -> np.ndarray:
        """Per-slice ACC (S, T, 4), NaN where a slice's union is empty."""
        return acc(self.intersection, self.union)

    @property
    def defined(self) -> np.ndarray:
        """How many slices have a non-empty union, (T, 4)."""
        return (self.union > 0).sum(axis=0)

    @property
    def acc(self) -> np.ndarray:
        """The exam's ACC: μ_t^k averaged over the slices where it is defined (T, 4)."""
        return acc(np.nansum(self.mu, axis=0), self.defined)

    @property
    def acc_sd(self) -> np.ndarray:
        """Standard deviation of μ_t^k over the slices where it is defined (T, 4)."""
        squares = acc(np.nansum(self.mu**2, axis=0), self.defined)
        return np.sqrt(np.maximum(squares - self.acc**2, 0.0))

    @property
    def gamma_share(self) -> np.ndarray:
        """The exam's share of γ per sequence (T, 4): averaged over the slices with a γ, as
        :attr:`acc` averages μ."""
        return _slice_mean(self._shares[0])

    @property
    def background_share(self) -> np.ndarray:
        """The exam's share of the background per sequence (T, 4), averaged over the slices."""
        return _slice_mean(self._shares[1])

    @property
    def _shares(self) -> tuple[np.ndarray, np.ndarray]:
        if self.outside is None or self.gamma_pixels is None or self.pixels is None:
            raise ValueError("these counts were taken without the shares' (outside, |γ|, H·W)")
        gamma_pixels = np.asarray(self.gamma_pixels)[:, np.newaxis]  # a slice's, at every t
        return shares(self.intersection, self.outside, gamma_pixels, self.pixels)


def _slice_mean(per_slice: np.ndarray) -> np.ndarray:
    """The mean over the slices (axis 0) where the value is defined; NaN where none is."""
    return acc(np.nansum(per_slice, axis=0), (~np.isnan(per_slice)).sum(axis=0))


def exam_contributions(
    model,
    volume: Tensor | np.ndarray,
    stages: int = 101,
    batch_size: int = 16,
    device: torch.device | str | None = None,
    compiled: bool | Literal["auto"] = False,
) -> ExamContributions:
    """Eq. (6) for every slice of ``volume`` (S, 4, H, W), in batches, keeping no frames.

    Batches go to ``device``, where the model must be (by default the model's device). Memory
    grows with ``batch_size`` and the stages, never with S. ``compiled`` runs each stage on the
    CPU as one compiled graph (:mod:`segmentation.engine.fused_stage`): True always, "auto"
    where the flow is large enough to repay the compilation (seconds per slice grid), False
    never. Other devices run op by op: the compiled stage is measured on CPUs only.
    """
    model_device = prepare_for_inference(model)
    device = torch.device(device) if device is not None else model_device
    volume = torch.as_tensor(volume, dtype=torch.float32)
    if compiled == "auto":
        compiled = pays_off(*volume.shape[:1], *volume.shape[-2:], stages)
    advance = fused_stage(model, bcf_code) if compiled and device.type == "cpu" else None
    parts = {"intersection": [], "union": [], "outside": [], "gamma_pixels": []}
    with torch.inference_mode():
        for start in range(0, volume.shape[0], batch_size):
            x0 = volume[start : start + batch_size].to(device)
            trace = _trace(model, x0, stages, keep_frames=False, advance=advance)
            for name in ("intersection", "union", "outside"):
                parts[name].append(getattr(trace, name).transpose(0, 1).cpu())
            parts["gamma_pixels"].append(trace.gamma_pixels.cpu())
    return ExamContributions(
        t=np.asarray(stage_grid(stages)),
        **{name: torch.cat(tensors).numpy() for name, tensors in parts.items()},
        pixels=volume.shape[-2] * volume.shape[-1],
    )


def exam_acc(model, volume, stages: int = 101, batch_size: int = 16, device=None) -> np.ndarray:
    """The exam's ACC (T, 4): per-slice μ_t^k of eq. (6), averaged over the slices (nanmean)."""
    return exam_contributions(model, volume, stages, batch_size, device).acc
