"""Training the segmentation models of [1] and validating them on held-out patients.

NODE ([1] §2.3, [2] §A5): the 4-channel slice I_0 flows along eq. (1) with classic RK4 on
t ∈ [0, 1] over ``steps`` equal steps, through torchdyn's ``NeuralODE`` [3] with the adjoint
sensitivity (the ODE block) while the head of eq. (3) trains by ordinary autograd; the loss is
BCE on the logits, L = BCEWithLogits(Σ_k w_k I_1^k, y); Adam, learning rate 10⁻³, gradients
clipped to a norm of :data:`MAX_GRADIENT_NORM` (not in [1]: it keeps a batch that left RK4's
stability region from freezing Adam). The baselines
are the plain U-Net of [1] Fig. 3(A) on any subset of the four sequences ([1] §2.5, [2] §A6).

Every epoch ends with ``checkpoint.pt`` (model, optimizer, epoch, losses, RNG states) in the
output folder, and a rerun resumes from it. Epoch e visits the training slices in the order of
a generator keyed by (seed, e) and draws its crops from (seed, e, index), so a resumed run gives
the weights of an uninterrupted one. Validation segments every brain slice of the held-out
patients' exams, whole (uncropped), and measures each exam volume against its reference.

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation." Medical
    Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt, l.467–507).
[2] spec/node-and-radiogenomics.md.
[3] Poli, Massaroli et al., "TorchDyn: implicit models and neural numerical methods in
    PyTorch", 2021; torchdyn 1.0.6.
"""

import enum
import hashlib
import math
import platform
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from imaging.labels import LabelScheme
from imaging.sequences import CHANNEL_ORDER
from segmentation.engine import artifacts, checkpoint, data, holdout
from segmentation.engine.nets import UNet, UNetConfig
from segmentation.engine.node import NODESegmenter, build_node, torchdyn_node
from segmentation.engine.targets import Target, label_map

LEARNING_RATE = 1e-3
# The gradient norm an update may have. A sound batch's is about 0.1–2 (paper preset NODE and
# U-Net, whole slices); a NODE trained on one RK4 step of size 1 leaves RK4's stability region
# once its field's Lipschitz constant passes about 2.8, and the batch then gives logits of 1e7
# and a gradient of 1e20, which Adam's second moment would keep for ~10⁴ updates: every later
# update ~1e-15 of its size, the model frozen (γ empty on the H200 run of 2026-12-04). Clipped,
# that batch makes an ordinary update; one whose gradient is not finite makes none.
MAX_GRADIENT_NORM = 10.0
NODE_SOLVER = {"solver": "rk4", "solver_adjoint": "rk4", "sensitivity": "adjoint"}
NODE_SOLVER |= {"ode_library": "torchdyn NeuralODE", "tolerance": "inert (fixed-step RK4)"}


class Kind(enum.StrEnum):
    NODE = "node"
    UNET = "unet"


@dataclass(frozen=True)
class TrainingRun:
    """What determines the weights, besides the data and the number of epochs."""

    kind: Kind
    target: Target
    preset: str
    sequences: tuple[str, ...]
    steps: int
    seed: int
    batch_size: int
    crop: int | None
    slice_rule: data.SliceRule
    default_scheme: LabelScheme
    learning_rate: float = LEARNING_RATE

    def __post_init__(self):
        if self.kind is Kind.NODE and self.sequences != tuple(CHANNEL_ORDER):
            raise ValueError("the NODE state is all four sequences; subsets are for --kind unet")
        for name in ("steps", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.crop is not None and self.crop < 8:
            raise ValueError(f"crop must be at least 8 pixels, got {self.crop}")

    @property
    def channels(self) -> list[int]:
        return data.channel_indices(list(self.sequences))

    def record(self, **outcome) -> dict:
        """The card's ``training`` entry: this run, its solver and libraries, and ``outcome``."""
        solver = NODE_SOLVER | {"n_steps_train": self.steps} if self.kind is Kind.NODE else {}
        return {
            **self.as_json(),
            **solver,
            "optimizer": f"Adam(lr={self.learning_rate})",
            "max_gradient_norm": MAX_GRADIENT_NORM,
            "loss": "BCEWithLogitsLoss",
            "threads": torch.get_num_threads(),
            "versions": _library_versions(),
            **outcome,
        }

    def as_json(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def train(
    *,
    target: Target | str,
    data_dir: Path,
    epochs: int,
    out_dir: Path,
    kind: Kind | str = Kind.NODE,
    preset: str = "small",
    sequences: list[str] | None = None,
    steps: int = 8,
    seed: int = 0,
    batch_size: int = 8,
    crop: int | None = 96,
    slice_rule: data.SliceRule | str = data.SliceRule.WT,
    default_scheme: LabelScheme | str = LabelScheme.BRATS2020,
    validation_slices: data.SliceRule | str = data.SliceRule.BRAIN,
    resume: bool = True,
    progress: bool = True,
    command: str = "",
    name: str | None = None,
) -> artifacts.Artifact:
    """Train one model, validate it and write its artifact folder (weights.pt + model.json).

    Parameters
    ----------
    target
        ET, TC or WT.
    data_dir
        A BraTS folder; exam folders without a glioma label map (MS patients) are left out.
    epochs
        Passes over the training slices; a resumed run continues up to this number.
    out_dir
        Receives ``checkpoint.pt``, ``weights.pt`` and ``model.json``.
    steps
        RK4 steps on [0, 1] in training and validation (NODE only); recorded in the card.
    crop
        Side of the square training windows; None trains on whole slices.
    validation_slices
        Which slices of the held-out exams are segmented (others count as empty).

    Raises
    ------
    ValueError
        For an invalid argument, a data folder without two glioma patients, or a checkpoint
        in ``out_dir`` written by another training configuration.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    run = TrainingRun(
        kind=Kind(kind),
        target=Target(target),
        preset=preset,
        sequences=tuple(CHANNEL_ORDER[i].value for i in data.channel_indices(sequences or [])),
        steps=steps,
        seed=seed,
        batch_size=batch_size,
        crop=crop,
        slice_rule=data.SliceRule(slice_rule),
        default_scheme=LabelScheme(default_scheme),
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model = build_model(run)
    prepared = data.prepare(
        data_dir, seed=seed, slice_rule=run.slice_rule, default_scheme=run.default_scheme
    )
    started = time.monotonic()
    losses = fit(model, run, prepared, epochs, out_dir, resume=resume, progress=progress)
    seconds = round(time.monotonic() - started, 1)
    rule = data.SliceRule(validation_slices)
    summary, per_exam = _validate(model, run, prepared, rule, progress=progress)
    torch.save(model.state_dict(), out_dir / artifacts.WEIGHTS)
    sha256 = hashlib.sha256((out_dir / artifacts.WEIGHTS).read_bytes()).hexdigest()
    schemes = sorted({c["label_scheme"] for c in prepared.manifest["cases"].values()})
    card = {
        "name": name or _default_name(run),
        "version": sha256[:12],
        "kind": run.kind.value,
        "target": run.target.value,
        "sequences": list(run.sequences),
        "preset": run.preset,
        "config": model_config(model),
        "label_scheme": schemes[0] if len(schemes) == 1 else schemes,
        "label_map": {s: label_map(s) for s in schemes},
        "normalization": data.NORMALIZATION,
        "training": run.record(
            epochs=epochs, command=command, loss_per_epoch=losses, training_seconds=seconds
        ),
        "manifest": prepared.manifest,
        "validation": summary,
        "validation_cases": per_exam,  # a model card key: kept
    }
    artifacts.write_card(out_dir, card)
    return artifacts.read_artifact(out_dir)


def _validate(model, run: TrainingRun, prepared, rule, *, progress) -> tuple[dict, dict]:
    """Validate on the held-out exams; their slice counts and limits join the data manifest."""
    summary, per_exam = holdout.validate(
        *(model, prepared.validation, run.target, run.channels, run.batch_size),
        rule=rule,
        progress=progress,
    )
    manifest = prepared.manifest
    for name, metrics in per_exam.items():
        manifest["cases"][name] |= {key: metrics.pop(key) for key in ("slices", "limits")}
    manifest["slices"]["validation"] = sum(manifest["cases"][name]["slices"] for name in per_exam)
    return summary, per_exam


def build_model(run: TrainingRun) -> nn.Module:
    if run.kind is Kind.NODE:
        model = build_node(run.preset, time_aware=True)
        model.steps = run.steps  # the grid the model was trained and validated on
        return model
    config = UNetConfig.from_preset(run.preset, in_channels=len(run.channels), out_channels=1)
    return UNet(config)


def model_config(model: nn.Module) -> dict:
    if isinstance(model, NODESegmenter):
        return model.config()
    return {"kind": Kind.UNET.value, "network": model.config.to_dict()}


def fit(
    model,
    run: TrainingRun,
    prepared,
    epochs,
    out_dir,
    *,
    resume,
    progress,
    checkpoints=True,
    clipped: list[int] | None = None,
) -> list[float]:
    """Train up to ``epochs`` on the model's device, from ``out_dir/checkpoint.pt`` if ``resume``;
    mean loss per epoch. Without ``checkpoints`` no epoch is saved: a paper-preset checkpoint
    (weights and Adam's moments) is 0.4 GB, longer to write than a GPU epoch of a U-Net.

    Gradients are clipped to :data:`MAX_GRADIENT_NORM` and a non-finite one is dropped (no
    update); ``clipped``, if given, receives the number of such batches of each epoch run."""
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=run.learning_rate)
    # The exam folders' file hashes; the key "cases" stays, or no checkpoint would resume.
    hashes = {name: folder["sha256"] for name, folder in prepared.manifest["cases"].items()}
    fingerprint = {"run": run.as_json(), "cases": hashes}
    losses = checkpoint.resume(out_dir, model, optimizer, fingerprint) if resume else []
    dataset = data.SliceDataset(
        prepared.training, run.target, run.channels, crop=run.crop, seed=run.seed
    )
    logits_of = _training_forward(model, run)
    batches = -(-len(dataset) // run.batch_size)
    bar = tqdm(total=epochs * batches, desc=f"{run.kind} {run.target}", disable=not progress)
    bar.update(min(len(losses), epochs) * batches)
    model.train()
    for epoch in range(len(losses), epochs):
        dataset.set_epoch(epoch)
        order = np.random.default_rng([run.seed, epoch]).permutation(len(dataset)).tolist()
        loader = torch.utils.data.DataLoader(dataset, batch_size=run.batch_size, sampler=order)
        total, outliers = 0.0, 0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = nn.functional.binary_cross_entropy_with_logits(logits_of(x), y)
            loss.backward()
            norm = clip_gradients(model.parameters(), MAX_GRADIENT_NORM)
            outliers += not norm <= MAX_GRADIENT_NORM
            if math.isfinite(norm):
                optimizer.step()
            total += loss.item() * len(x)
            bar.update()
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.4f}")
        losses.append(round(total / len(dataset), 6))
        if clipped is not None:
            clipped.append(outliers)
        if checkpoints:
            checkpoint.save(out_dir, model, optimizer, fingerprint, losses)
    bar.close()
    return losses


def clip_gradients(parameters, max_norm: float) -> float:
    """Scale the gradients to a total norm of at most ``max_norm``; return the norm before.

    The norm is summed in float64: an exploding batch's (1e20) squares overflow float32, and
    ``torch.nn.utils.clip_grad_norm_`` would then scale every gradient by 0 (no update) or NaN.
    A non-finite norm (a gradient holding inf or NaN) leaves the gradients as they are."""
    gradients = [p.grad for p in parameters if p.grad is not None]
    if not gradients:
        return 0.0
    norms = [torch.linalg.vector_norm(g, dtype=torch.float64) for g in gradients]
    norm = torch.linalg.vector_norm(torch.stack(norms)).item()
    if math.isfinite(norm) and norm > max_norm:
        for gradient in gradients:
            gradient.mul_(max_norm / norm)
    return norm


def _training_forward(model: nn.Module, run: TrainingRun):
    if run.kind is Kind.UNET:
        return model
    warnings.filterwarnings("ignore", message="Setting tolerances has no effect")
    ode = torchdyn_node(model, run.steps, sensitivity="adjoint")
    return lambda x0: model.head(ode(x0)[-1])


def _default_name(run: TrainingRun) -> str:
    name = f"{run.kind}-{run.target.value.lower()}-{run.preset}"
    if run.sequences != tuple(CHANNEL_ORDER):
        name += "-" + "-".join(s.lower() for s in run.sequences)
    return name


def _library_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version(), "torch": torch.__version__}
    for package in ("torchdyn", "numpy", "nibabel"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return versions
