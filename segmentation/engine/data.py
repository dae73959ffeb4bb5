"""Training data: BraTS exam folders → normalized 4-channel axial slices [FLAIR, T1, T1CE, T2] [1].

Normalization ([2] §A3, not stated in [1]): per volume and per sequence, a robust min–max to
[0, 1], I' = clip((I − p_0.5) / (p_99.5 − p_0.5), 0, 1), with the percentiles taken inside the brain
mask (voxels non-zero in any sequence); voxels outside the mask are 0. Slices ([2] §A1, A2): the
axial slices whose whole tumour is non-empty by default (24 422 slices of 369 patients in [1]
fit that rule); the rule is configurable and recorded with its counts. Split: 8:2 by patient [1].

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation." Medical
    Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt, l.159–181, l.473–475).
[2] spec/node-and-radiogenomics.md.
"""

import enum
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from imaging.brats import BratsExamFolder, discover_exam_folders
from imaging.labels import LabelScheme, detect_scheme
from imaging.nifti_io import check_same_grid, load_volume
from imaging.sequences import CHANNEL_ORDER, Sequence
from segmentation.engine.targets import TARGET_LABELS, Target, target_mask

PERCENTILES = (0.5, 99.5)
NORMALIZATION = {
    "method": "robust min-max to [0, 1], per volume and sequence",
    "percentiles": list(PERCENTILES),
    "mask": "voxels non-zero in any sequence (outside: 0)",
}
VALIDATION_FRACTION = 0.2


class SliceRule(enum.StrEnum):
    """Which axial slices are samples: those with tumour (WT > 0), with brain, or every one."""

    WT = "wt"
    BRAIN = "brain"
    ALL = "all"


@dataclass(frozen=True)
class ExamVolumes:
    """One exam, normalized: ``image`` (4, X, Y, Z) in CHANNEL_ORDER, ``labels`` (X, Y, Z)."""

    name: str
    patient: str
    scheme: LabelScheme
    image: np.ndarray
    labels: np.ndarray
    spacing: tuple[float, float, float]
    normalization: dict[str, dict[str, float]]


@dataclass(frozen=True)
class ExamSlices:
    """The selected axial slices of an exam: ``images`` (S, 4, X, Y), ``labels`` (S, X, Y)."""

    name: str
    scheme: LabelScheme
    images: np.ndarray
    labels: np.ndarray


def normalize(volume: np.ndarray, brain: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """Robust min–max of one sequence inside ``brain``; returns the image and (low, high).

    >>> image, limits = normalize(np.arange(201.0), np.arange(201) > 0)
    >>> float(image.min()), float(image.max()), limits["low"]
    (0.0, 1.0, 1.995)
    """
    limits = robust_limits(volume, brain)
    return rescale(volume, brain, limits), limits


def robust_limits(volume: np.ndarray, brain: np.ndarray) -> dict[str, float]:
    """The (low, high) of :func:`normalize`: the percentiles inside ``brain`` (0, 0 if empty)."""
    if not brain.any():
        return {"low": 0.0, "high": 0.0}
    low, high = (float(p) for p in np.percentile(volume[brain], PERCENTILES))
    return {"low": low, "high": high}


def rescale(volume: np.ndarray, brain: np.ndarray, limits: dict[str, float]) -> np.ndarray:
    """clip((I − low) / (high − low), 0, 1) inside ``brain``, 0 outside. Elementwise, so a slice
    of an exam rescaled with the exam's limits equals that slice of the normalized exam."""
    low, high = limits["low"], limits["high"]
    scaled = (volume.astype(np.float32) - low) / max(high - low, 1e-6)
    return np.where(brain, np.clip(scaled, 0.0, 1.0), 0.0).astype(np.float32)


def brain_mask(images: dict[Sequence, np.ndarray]) -> np.ndarray:
    """The voxels non-zero in any of the four sequences (the stored series are skull-stripped)."""
    return np.logical_or.reduce([images[s] != 0 for s in CHANNEL_ORDER])


def normalize_exam(images: dict[Sequence, np.ndarray]) -> tuple[np.ndarray, dict]:
    """The four sequences of an exam as one normalized (4, X, Y, Z) array, with the limits."""
    brain = brain_mask(images)
    channels, limits = zip(*(normalize(images[s], brain) for s in CHANNEL_ORDER), strict=True)
    return np.stack(channels), dict(zip((s.value for s in CHANNEL_ORDER), limits, strict=True))


def axial_slices(volume: np.ndarray) -> np.ndarray:
    """(…, X, Y, Z) RAS volume → (Z, …, X, Y) stack of axial slices, inferior first."""
    return np.moveaxis(volume, -1, 0)


def slice_indices(exam: ExamVolumes, rule: SliceRule) -> np.ndarray:
    if rule is SliceRule.WT:
        return np.flatnonzero(target_mask(exam.labels, Target.WT, exam.scheme).any(axis=(0, 1)))
    if rule is SliceRule.BRAIN:
        return np.flatnonzero((exam.image != 0).any(axis=(0, 1, 2)))
    return np.arange(exam.labels.shape[-1])


def exam_folder_scheme(exam_folder: BratsExamFolder, default: LabelScheme) -> LabelScheme:
    """exams.csv's scheme, else the one the label values prove, else ``default``."""
    if exam_folder.label_scheme is not None:
        return exam_folder.label_scheme
    values = np.unique(np.asarray(load_volume(exam_folder.segmentation).array()))
    return detect_scheme(values) or default


def glioma_exam_folders(
    root: Path, default_scheme: LabelScheme
) -> tuple[list[tuple[BratsExamFolder, LabelScheme]], dict[str, str]]:
    """The exam folders with a glioma label map, and the others with why they are left out."""
    usable, excluded = [], {}
    for exam_folder in discover_exam_folders(root):
        if exam_folder.segmentation is None:
            excluded[exam_folder.name] = "no label map"
            continue
        scheme = exam_folder_scheme(exam_folder, default_scheme)
        if scheme in TARGET_LABELS:
            usable.append((exam_folder, scheme))
        else:
            excluded[exam_folder.name] = f"label scheme {scheme.value} has no glioma targets"
    return usable, excluded


def load_exam(exam_folder: BratsExamFolder, scheme: LabelScheme) -> ExamVolumes:
    volumes = {path: load_volume(path) for path in exam_folder.images.values()}
    labels = load_volume(exam_folder.segmentation)
    check_same_grid((exam_folder.segmentation, labels), volumes)
    image, limits = normalize_exam(
        {s: np.asarray(volumes[path].array()) for s, path in exam_folder.images.items()}
    )
    return ExamVolumes(
        name=exam_folder.name,
        patient=exam_folder.patient_key,
        scheme=scheme,
        image=image,
        labels=np.asarray(labels.array()).astype(np.uint8),
        spacing=labels.spacing,
        normalization=limits,
    )


def exam_slices(exam: ExamVolumes, rule: SliceRule) -> ExamSlices:
    keep = slice_indices(exam, rule)
    return ExamSlices(
        name=exam.name,
        scheme=exam.scheme,
        images=np.ascontiguousarray(axial_slices(exam.image)[keep]),
        labels=np.ascontiguousarray(axial_slices(exam.labels)[keep]),
    )


def split_patients(patients: list[str], seed: int) -> tuple[list[str], list[str]]:
    """Patient-level 8:2 split: (training, validation), each sorted; seeded, order-free."""
    unique = sorted(set(patients))
    if len(unique) < 2:
        raise ValueError(f"a patient-level split needs two glioma patients, found {len(unique)}")
    held_out = min(len(unique) - 1, max(1, round(VALIDATION_FRACTION * len(unique))))
    order = np.random.default_rng(seed).permutation(len(unique))
    validation = sorted(unique[i] for i in order[:held_out])
    return sorted(set(unique) - set(validation)), validation


def file_hashes(exam_folder: BratsExamFolder) -> dict[str, str]:
    segmentation = [exam_folder.segmentation] if exam_folder.segmentation else []
    paths = [*exam_folder.images.values(), *segmentation]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}


def channel_indices(sequences: list[Sequence | str]) -> list[int]:
    """Channel positions of ``sequences`` (all four when empty) in CHANNEL_ORDER, in that order.

    >>> channel_indices(["T2", "FLAIR"])
    [0, 3]
    """
    wanted = {Sequence(s) for s in sequences} or set(CHANNEL_ORDER)
    return [i for i, s in enumerate(CHANNEL_ORDER) if s in wanted]


class SliceDataset(torch.utils.data.Dataset):
    """(x (C, H, W), y (1, H, W)) float32 pairs for ``target`` from the selected slices.

    With ``crop``, each sample is a crop × crop window, centred on a tumour voxel with
    probability ``tumour_fraction`` and placed uniformly otherwise; the window is drawn from a
    generator keyed by (seed, epoch, index), so an epoch is the same whatever came before it.
    """

    def __init__(
        self,
        exams: list[ExamSlices],
        target: Target,
        channels: list[int],
        *,
        crop: int | None,
        seed: int,
        tumour_fraction: float = 0.7,
    ) -> None:
        self.exams, self.target, self.channels = exams, Target(target), channels
        self.crop, self.seed, self.tumour_fraction = crop, seed, tumour_fraction
        self.index = [(e, s) for e, exam in enumerate(exams) for s in range(len(exam.labels))]
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        exam, s = self.exams[self.index[i][0]], self.index[i][1]
        x, labels = exam.images[s][self.channels], exam.labels[s]
        y = target_mask(labels, self.target, exam.scheme).astype(np.float32)
        if self.crop:
            rng = np.random.default_rng([self.seed, self.epoch, i])
            tumour = target_mask(labels, Target.WT, exam.scheme)
            x, y = self._window(x, y, tumour, rng)
        return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y[None].copy())

    def _window(self, x, y, tumour, rng) -> tuple[np.ndarray, np.ndarray]:
        short = [max(0, self.crop - n) for n in y.shape]
        if any(short):
            pad = [(0, 0), (0, short[0]), (0, short[1])]
            x, y, tumour = np.pad(x, pad), np.pad(y, pad[1:]), np.pad(tumour, pad[1:])
        high = np.array(y.shape) - self.crop
        if tumour.any() and rng.random() < self.tumour_fraction:
            voxels = np.argwhere(tumour)
            centre = voxels[rng.integers(len(voxels))]
            corner = np.clip(centre - self.crop // 2, 0, high)
        else:
            corner = np.array([rng.integers(h + 1) for h in high])
        window = (slice(corner[0], corner[0] + self.crop), slice(corner[1], corner[1] + self.crop))
        return x[(slice(None), *window)], y[window]


@dataclass(frozen=True)
class PreparedData:
    """Training slices in memory, validation exam folders to load one by one, and the manifest."""

    training: list[ExamSlices]
    validation: list[tuple[BratsExamFolder, LabelScheme]]
    manifest: dict


def prepare(
    root: Path, *, seed: int, slice_rule: SliceRule, default_scheme: LabelScheme
) -> PreparedData:
    """Split the glioma exam folders of a BraTS folder by patient and load the training slices."""
    usable, excluded = glioma_exam_folders(Path(root), default_scheme)
    if not usable:
        raise ValueError(f"{root}: no exam folder with a glioma label map")
    training_patients, validation_patients = split_patients(
        [exam_folder.patient_key for exam_folder, _ in usable], seed
    )
    training, validation, exam_folders = [], [], {}
    for exam_folder, scheme in usable:
        held_out = exam_folder.patient_key in validation_patients
        exam_folders[exam_folder.name] = {
            "patient": exam_folder.patient_key,
            "split": "validation" if held_out else "training",
            "label_scheme": scheme.value,
            "sha256": file_hashes(exam_folder),
        }
        if held_out:
            validation.append((exam_folder, scheme))
            continue
        exam = load_exam(exam_folder, scheme)
        training.append(exam_slices(exam, slice_rule))
        exam_folders[exam_folder.name] |= {
            "slices": len(training[-1].labels),
            "limits": exam.normalization,
        }
    manifest = {
        "data_dir": str(Path(root).resolve()),
        # "cases" (BraTS's word for exam folders) stays: model cards and checkpoint
        # fingerprints, bundled weights' included, carry this key.
        "cases": exam_folders,
        "excluded": excluded,
        "patients": {"training": training_patients, "validation": validation_patients},
        "split": {"unit": "patient", "seed": seed, "validation_fraction": VALIDATION_FRACTION},
        "slice_rule": slice_rule.value,
        "slices": {"training": sum(len(e.labels) for e in training)},
        "normalization": NORMALIZATION,
    }
    return PreparedData(training, validation, manifest)
