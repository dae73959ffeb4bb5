"""The comparison study of [1] §2.5 (Table I): plain U-Nets on subsets of the four sequences.

For each target, U-Nets on all four sequences (the baseline), on the key sequences and on the
complementary ones are trained and validated by k-fold cross-validation *by patient* within the
training set (k = 10 in [1]); every configuration of a fold sees the same patients, crops and
batch order, so the folds pair the configurations.

Aggregation ([2] A16): a fold's metrics are pooled over the pixels of its validation slices (one
confusion matrix summed over every WT slice of the fold's exams, the slices the models train on),
the reading under which [1]'s accuracies near 99.5 % make sense; Table I is their mean ± SD
(ddof 1) over the folds. Tests ([2] A14, A15): the Wilcoxon signed-rank test (two-sided) pairs
each configuration with the baseline fold by fold, on Dice, accuracy, sensitivity and specificity
alike. With n pairs and no ties its smallest p is 2/2^n, so k ≥ 6 folds are needed for any
p < 0.05. A secondary test pairs the images (slices holding the target in the reference), whose
many pairs make small differences significant.

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation." Medical
    Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt, l.489–517, l.646–688).
[2] spec/node-and-radiogenomics.md, §A6.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch
from scipy.stats import wilcoxon
from torch import nn
from tqdm import tqdm

from imaging.labels import LabelScheme
from segmentation.engine import data
from segmentation.engine.metrics import ConfusionCounts
from segmentation.engine.targets import Target, target_mask
from segmentation.engine.training import Kind, TrainingRun, build_model, fit

METRICS = ("dice", "accuracy", "sensitivity", "specificity")
BASELINE = "all"


@dataclass(frozen=True)
class Cohort:
    """The WT slices (the samples of [1]) of every glioma exam, with patients and file hashes."""

    exams: tuple[data.ExamSlices, ...]
    patient_of: dict[str, str]  # exam name -> patient
    hashes: dict[str, dict[str, str]]
    excluded: dict[str, str]

    @property
    def patients(self) -> list[str]:
        return sorted(set(self.patient_of.values()))

    def exams_of(self, patients: Iterable[str]) -> list[data.ExamSlices]:
        wanted = set(patients)
        return [exam for exam in self.exams if self.patient_of[exam.name] in wanted]

    def prepared(self, patients: Iterable[str]) -> data.PreparedData:
        """Training data for :func:`segmentation.engine.training.fit` (its checkpoint
        fingerprint)."""
        exams = self.exams_of(patients)
        hashes = {exam.name: {"sha256": self.hashes[exam.name]} for exam in exams}
        return data.PreparedData(exams, [], {"cases": hashes})  # the manifest's key, as in data


def load_cohort(root: Path, default_scheme: LabelScheme = LabelScheme.BRATS2020) -> Cohort:
    usable, excluded = data.glioma_exam_folders(Path(root), default_scheme)
    if not usable:
        raise ValueError(f"{root}: no exam folder with a glioma label map")
    exams = tuple(
        data.exam_slices(data.load_exam(folder, scheme), data.SliceRule.WT)
        for folder, scheme in usable
    )
    return Cohort(
        exams=exams,
        patient_of={folder.name: folder.patient_key for folder, _ in usable},
        hashes={folder.name: data.file_hashes(folder) for folder, _ in usable},
        excluded=excluded,
    )


@dataclass(frozen=True)
class Training:
    """How every model of the analysis is trained (training.fit: Adam 10⁻³, BCE on logits)."""

    preset: str = "small"
    epochs: int = 6
    node_epochs: int = 4
    steps: int = 4  # RK4 steps on [0, 1] while training a NODE
    seed: int = 0
    batch_size: int = 4
    crop: int | None = 32
    device: str = "cpu"
    inference_batch_size: int | None = None  # slices per batch when segmenting; None: batch_size
    checkpoints: bool = True  # save (and resume) every epoch; off for timed GPU runs

    def as_json(self) -> dict:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @property
    def inference_batch(self) -> int:
        return self.inference_batch_size or self.batch_size

    def model(
        self, kind: Kind, target: Target, sequences: list[str], prepared, folder: Path
    ) -> nn.Module:
        """Train on ``self.device`` in ``folder`` (resuming its checkpoint, with
        ``self.checkpoints``), or load what a finished run left."""
        run = TrainingRun(
            kind=kind,
            target=target,
            preset=self.preset,
            sequences=tuple(sequences),
            steps=self.steps,
            seed=self.seed,
            batch_size=self.batch_size,
            crop=self.crop,
            slice_rule=data.SliceRule.WT,
            default_scheme=LabelScheme.BRATS2020,
        )
        epochs = self.node_epochs if kind is Kind.NODE else self.epochs
        torch.manual_seed(self.seed)
        model = build_model(run).to(self.device)
        folder.mkdir(parents=True, exist_ok=True)
        losses = fit(
            *(model, run, prepared, epochs, folder),
            resume=self.checkpoints,
            progress=False,
            checkpoints=self.checkpoints,
        )
        if len(losses) != epochs:
            raise ValueError(
                f"{folder} holds a checkpoint of {len(losses)} epochs, more than the {epochs} "
                "asked for; give another output folder"
            )
        return model.eval()


def patient_folds(patients: Iterable[str], k: int, seed: int) -> list[list[str]]:
    """k folds of the patients, dealt in a seeded order; sizes differ by at most one.

    >>> patient_folds(["a", "b", "c", "d", "e"], 2, seed=0)
    [['b', 'c', 'd'], ['a', 'e']]
    """
    unique = sorted(set(patients))
    if not 2 <= k <= len(unique):
        raise ValueError(f"{k} folds need 2 ≤ k ≤ the {len(unique)} training patients")
    order = np.random.default_rng(seed).permutation(len(unique))
    return [sorted(unique[i] for i in order[fold::k]) for fold in range(k)]


def minimum_p(n: int) -> float:
    """The smallest two-sided p of an exact Wilcoxon signed-rank test on n pairs: 2/2^n."""
    return min(1.0, 2.0 / 2**n)


def paired_p(baseline: list[float], other: list[float]) -> float | None:
    """Two-sided Wilcoxon signed-rank p of ``other`` against ``baseline`` (1 when all equal)."""
    differences = np.asarray(other, float) - np.asarray(baseline, float)
    if len(differences) == 0:
        return None
    if not differences.any():
        return 1.0
    return float(wilcoxon(baseline, other).pvalue)


def segment(model: nn.Module, images: np.ndarray, batch_size: int) -> np.ndarray:
    """γ = [logit > 0] for a stack of whole slices (S, C, H, W) → bool (S, H, W), computed on
    the model's device."""
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    masks = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(images[start : start + batch_size]))
            masks.append((model(x.to(device)) > 0)[:, 0].cpu().numpy())
    return np.concatenate(masks)


def evaluate(model, exams, target: Target, channels: list[int], batch_size: int):
    """Pooled confusion counts over every slice of ``exams``, and the overlap metrics of each
    image that holds ``target`` in its reference."""
    pooled, images = np.zeros(4, np.int64), []
    for exam in exams:
        predicted = segment(model, exam.images[:, channels], batch_size)
        reference = target_mask(exam.labels, target, exam.scheme)
        counts = ConfusionCounts.of(predicted, reference)
        pooled += (counts.tp, counts.fp, counts.fn, counts.tn)
        for s in np.flatnonzero(reference.any(axis=(1, 2))):
            images.append(ConfusionCounts.of(predicted[s, None], reference[s, None]).overlap())
    return ConfusionCounts(*(int(n) for n in pooled)), images


def compare(
    cohort: Cohort,
    folds: list[list[str]],
    target: Target,
    configurations: dict[str, list[str]],
    training: Training,
    out_dir: Path,
    bar: tqdm,
    deadline: float | None = None,
) -> dict:
    """Table I's rows for one target: each configuration's metrics per fold and their tests.

    ``configurations`` maps a name to its sequences and must hold :data:`BASELINE`; one with no
    sequences is reported as skipped. Models go to ``out_dir/<fold>/<sequences>``. With a
    ``deadline`` (a ``time.monotonic()`` value) no fold starts that the previous fold's duration
    says would end after it; the rows then hold the folds done (their ``n``), still paired.
    """
    distinct = {tuple(s) for s in configurations.values() if s}
    per_fold = {sequences: [] for sequences in distinct}
    per_image = {sequences: [] for sequences in distinct}
    patients = [p for fold in folds for p in fold]
    fold_seconds = 0.0
    for number, validation in enumerate(folds, start=1):
        if deadline is not None and number > 1 and time.monotonic() + fold_seconds > deadline:
            break
        started = time.monotonic()
        training_patients = sorted(set(patients) - set(validation))
        for sequences in sorted(distinct):
            bar.set_description(f"U-Net {target} fold {number}/{len(folds)} {'+'.join(sequences)}")
            folder = out_dir / f"fold-{number:02d}" / "-".join(sequences).lower()
            model = training.model(
                Kind.UNET, target, list(sequences), cohort.prepared(training_patients), folder
            )
            channels = data.channel_indices(list(sequences))
            pooled, images = evaluate(
                model, cohort.exams_of(validation), target, channels, training.inference_batch
            )
            per_fold[sequences].append(pooled.overlap())
            per_image[sequences].extend(images)
            bar.update()
        fold_seconds = time.monotonic() - started
    return _rows(configurations, per_fold, per_image)


def _rows(configurations, per_fold, per_image) -> dict:
    baseline = tuple(configurations[BASELINE])
    rows = {}
    for name, sequences in configurations.items():
        if not sequences:
            rows[name] = {"sequences": [], "skipped": "no sequence in this configuration"}
            continue
        rows[name] = {
            "sequences": list(sequences),
            "folds": _summary(per_fold[tuple(sequences)], per_fold[baseline], name, True),
            "images": _summary(per_image[tuple(sequences)], per_image[baseline], name, False),
        }
    return rows


def _summary(values: list[dict], baseline: list[dict], name: str, listed: bool) -> dict:
    """Mean ± SD of each metric over the units (folds or images), with p against the baseline;
    ``listed`` keeps the values themselves (the folds', for plots and re-analysis)."""
    summary = {"n": len(values)}
    for metric in METRICS:
        series = [v[metric] for v in values]
        entry = {
            "mean": _round(np.mean(series)),
            "sd": _round(np.std(series, ddof=1)) if len(series) > 1 else 0.0,
        }
        if listed:
            entry["values"] = [_round(v) for v in series]
        if name != BASELINE:
            entry["p"] = paired_p([b[metric] for b in baseline], series)
        summary[metric] = entry
    return summary


def _round(value: float) -> float:
    return round(float(value), 6)
