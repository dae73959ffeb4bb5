"""Segmenting whole exams: axial slices in batches through a NODE or U-Net, on CUDA when there is
one. A CUDA out-of-memory error halves the batch; at a batch of one the exam moves to the CPU.
Takes normalized (4, X, Y, Z) arrays in [FLAIR, T1, T1CE, T2] order, returns arrays."""

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from segmentation.engine.flow import exam_contributions, prepare_for_inference, stage_grid
from segmentation.engine.nets import UNet, UNetConfig
from segmentation.engine.node import CHANNELS, NODESegmenter

BATCH_SIZE = 16
ACC_STAGES = 101  # Δt = 0.01, as in the paper's analysis
# Background kept around the head of each batch: the networks see the head's edge as on the
# whole slice (their zero padding is not the background their biases make of it).
HEAD_MARGIN = 16
HEAD_ALIGN = 16  # 2^(depth − 1) of the deepest preset: poolings keep their phase

_BUILDERS: dict[str, Callable[[dict], nn.Module]] = {
    "node": NODESegmenter.from_config,
    "unet": lambda config: UNet(UNetConfig(**config["network"])),
}


@dataclass(frozen=True)
class ExamAcc:
    """An exam's ACC curves: mean and SD over the slices where μ is defined, per stage; and
    the means of the share of γ and of the background each sequence marks
    (:mod:`segmentation.engine.flow`)."""

    stages: list[float]
    mean: np.ndarray  # (T, 4)
    sd: np.ndarray  # (T, 4)
    slices: int
    gamma_share: np.ndarray  # (T, 4) |η ∩ γ| / |γ|
    background_share: np.ndarray  # (T, 4) |η ∖ γ| / |¬γ|


def choose_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"


def load_model(kind: str, config: dict, weights: bytes, device: torch.device) -> nn.Module:
    """A model from its card's configuration and its state dict, ready for inference."""
    if kind not in _BUILDERS:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(_BUILDERS)}")
    model = _BUILDERS[kind](config)
    state = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.to(device).eval()
    prepare_for_inference(model)
    return model


def predict_exam(
    model: nn.Module,
    channels: np.ndarray,
    sequences: Sequence[str],
    *,
    device: torch.device,
    batch_size: int = BATCH_SIZE,
    on_slices: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """The binary segmentation (X, Y, Z) of a normalized exam (4, X, Y, Z): σ(logit) > 0.5.
    ``on_slices(done, total)`` hears of each batch: a NODE takes minutes per exam on a CPU."""
    logits = exam_logits(
        model, channels, sequences, device=device, batch_size=batch_size, on_slices=on_slices
    )
    return logits > 0


def exam_logits(
    model: nn.Module,
    channels: np.ndarray,
    sequences: Sequence[str],
    *,
    device: torch.device,
    batch_size: int = BATCH_SIZE,
    on_slices: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """The foreground logit per voxel (X, Y, Z) of a normalized exam; −inf outside the head
    (its slices are skipped). A model's confidence, for calibration."""
    inputs = channels[[CHANNELS.index(s) for s in sequences]]
    slices = np.moveaxis(inputs, -1, 0)  # (Z, C, X, Y)

    def logits(batch: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return model(batch)[:, 0]

    out = _batched(logits, slices, device, batch_size, model, on_slices)
    return np.moveaxis(out, 0, -1)


def predict_slab(
    model: nn.Module,
    channels: np.ndarray,
    sequences: Sequence[str],
    slab: slice,
    *,
    device: torch.device,
) -> np.ndarray:
    """The segmentation of the axial slices in ``slab`` only, on the whole grid (empty outside
    it): a quick look at one region, where a whole exam would take minutes on a CPU."""
    mask = np.zeros(channels.shape[1:], dtype=bool)
    mask[..., slab] = predict_exam(model, channels[..., slab], sequences, device=device)
    return mask


def exam_flow(
    model: NODESegmenter,
    channels: np.ndarray,
    segmented_slices: np.ndarray,
    *,
    device: torch.device,
    stages: int = ACC_STAGES,
    batch_size: int = BATCH_SIZE,
) -> ExamAcc:
    """The exam's ACC (eq. 6 of paper 000) and its two shares over the slices where the model
    found something, without keeping frames. The paper averages over tumour slices (its test
    images); with no reference at inference time, the slices of the prediction γ stand in.
    On the CPU the stages run compiled (:mod:`segmentation.engine.fused_stage`) where the
    slices are many enough to repay the compilation."""
    slices = np.moveaxis(channels, -1, 0)[np.asarray(segmented_slices, dtype=bool)]
    if not len(slices):
        undefined = np.full((stages, len(CHANNELS)), np.nan)
        return ExamAcc(stage_grid(stages), undefined, undefined, 0, undefined, undefined)
    counts = exam_contributions(model, slices, stages, batch_size, device, compiled="auto")
    return ExamAcc(
        stage_grid(stages),
        counts.acc,
        counts.acc_sd,
        len(slices),
        gamma_share=counts.gamma_share,
        background_share=counts.background_share,
    )


def _batched(
    run, slices: np.ndarray, device, batch_size: int, model: nn.Module, on_slices=None
) -> np.ndarray:
    """Run ``run`` over ``slices`` (Z, C, X, Y) in batches, shrinking them (then leaving CUDA) on
    OOM, and return its (Z, X, Y) map. Only the head is computed: slices without it are skipped
    and each batch is cropped to its slices' head (zero is the background after normalisation);
    outside it the map is −inf. That halves a 1 mm exam's work at least."""
    head = (slices != 0).any(axis=1)
    order = np.flatnonzero(head.any(axis=(1, 2)))
    out = np.full(head.shape, -np.inf, dtype=np.float32)
    start = 0
    while start < len(order):
        index = order[start : start + batch_size]
        rows, cols = _head_box(head[index])
        batch = torch.as_tensor(slices[index][..., rows, cols], dtype=torch.float32)
        try:
            out[index, rows, cols] = run(batch.to(device)).float().cpu().numpy()
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
            if batch_size > 1:
                batch_size //= 2
            else:
                device = torch.device("cpu")
                model.to(device)
            continue
        start += len(index)
        if on_slices is not None:
            on_slices(start, len(order))
    return out


def _head_box(head: np.ndarray) -> tuple[slice, slice]:
    """The in-plane box of a batch's head (Z, X, Y), widened by HEAD_MARGIN and aligned to
    HEAD_ALIGN so that the networks' poolings fall where they fall on the whole slice."""
    box = []
    for axis, length in ((1, head.shape[1]), (2, head.shape[2])):
        inside = np.flatnonzero(head.any(axis=tuple(a for a in (0, 1, 2) if a != axis)))
        low = max(0, inside[0] - HEAD_MARGIN) // HEAD_ALIGN * HEAD_ALIGN
        box.append(slice(low, min(length, inside[-1] + 1 + HEAD_MARGIN)))
    return box[0], box[1]
