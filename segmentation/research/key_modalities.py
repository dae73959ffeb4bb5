"""Key-sequence identification of [1] §3.3 and the comparison study of its Table I.

Per target (ET, TC, WT) a NODE is trained on the training patients (the 8:2 split by patient of
:func:`segmentation.engine.data.split_patients`) and its ACC μ_t^k (eq. 6) is averaged over the test
images, the held-out patients' slices that hold the target in their reference ([1] Fig. 7: "mean
ACC of all test images"). Each sequence's curve is summarised as in [2] §A7: μ_0, μ_1, the
largest μ and its stage, the initial slope over [0, 0.1], the mean slope (μ_1 − μ_0) / 1 and the
area under the curve. [1] picks the key sequences by eye; the rule here is the heuristic of [2]
§A7, drawn from [1]'s exclusion of FLAIR for ET ("μ_1^FLAIR < 0.2"):

    k is a key sequence  ⇔  μ_1^k ≥ τ  and  μ_1^k − μ_0^k > 0,   ranked by μ_1^k (τ = 0.2).

The U-Nets on all four, the key and the complementary sequences are then compared by
:mod:`segmentation.research.unet_comparison`.

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation." Medical
    Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt, l.489–517, l.587–613, l.646–688).
[2] spec/node-and-radiogenomics.md, §A6–A9.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from imaging.labels import LabelScheme
from imaging.sequences import CHANNEL_ORDER
from segmentation.engine import data
from segmentation.engine.flow import ExamContributions, exam_contributions
from segmentation.engine.metrics import ConfusionCounts
from segmentation.engine.targets import Target, target_mask
from segmentation.engine.training import Kind, TrainingRun, build_model, fit
from segmentation.research.unet_comparison import (
    BASELINE,
    Cohort,
    Training,
    compare,
    load_cohort,
    minimum_p,
    patient_folds,
    segment,
)

SEQUENCES = tuple(s.value for s in CHANNEL_ORDER)
TAU = 0.2  # [1] l.596–598: FLAIR, at μ_1 < 0.2, "was not considered as a key modality candidate"
INITIAL_STAGE = 0.1  # the initial slope is taken over [0, 0.1] ([2] §A7)
FEATURES = ("mu_0", "mu_1", "mu_1_sd", "max_mu", "t_max", "initial_slope", "mean_slope", "auc")
ACC_CURVES = "acc_curves.json"
REPORT = "key_modalities.json"


@dataclass(frozen=True)
class Settings:
    """Everything the analysis depends on besides the data; recorded in its report."""

    training: Training = field(default_factory=Training)
    folds: int = 10
    tau: float = TAU
    stages: int = 21  # ACC grid, Δt = 1 / (stages − 1): 0.05 on CPUs; [1]'s 0.01 is 101
    alpha: float = 0.05
    # target -> the key sequences its U-Nets use instead of the rule's (e.g. [1]'s published ones)
    given_key: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        for target, names in self.given_key.items():
            Target(target)
            if not names or len(set(names)) < len(names) or set(names) - set(SEQUENCES):
                raise ValueError(f"key of {target}: give distinct names among {SEQUENCES}")

    def as_json(self) -> dict:
        return {
            **self.training.as_json(),
            "folds": self.folds,
            "tau": self.tau,
            "stages": self.stages,
            "alpha": self.alpha,
            "slice_rule": data.SliceRule.WT.value,
            "test_fraction": data.VALIDATION_FRACTION,
            "threads": torch.get_num_threads(),
            "given_key": self.given_key,
        }


def acc_features(t: np.ndarray, mu: np.ndarray, mu_sd: np.ndarray | None = None) -> dict:
    """The curve features of [2] §A7 per sequence, from the mean ACC ``mu`` (T, 4) on ``t``.

    A sequence whose mean ACC is undefined at some stage (no image had a non-empty union
    there) gets None for every feature.
    """
    t = np.asarray(t, float)
    features = {}
    for k, name in enumerate(SEQUENCES):
        curve = np.asarray(mu[:, k], float)
        if np.isnan(curve).any():
            features[name] = dict.fromkeys(FEATURES)
            continue
        peak = int(np.argmax(curve))
        values = {
            "mu_0": curve[0],
            "mu_1": curve[-1],
            "mu_1_sd": np.nan if mu_sd is None else mu_sd[-1, k],
            "max_mu": curve[peak],
            "t_max": t[peak],
            "initial_slope": (np.interp(INITIAL_STAGE, t, curve) - curve[0]) / INITIAL_STAGE,
            "mean_slope": (curve[-1] - curve[0]) / (t[-1] - t[0]),
            "auc": np.trapezoid(curve, t),
        }
        features[name] = {key: _number(value) for key, value in values.items()}
    return features


def key_sequences(features: dict[str, dict], tau: float = TAU) -> list[str]:
    """The sequences with μ_1 ≥ ``tau`` and a positive mean slope, highest μ_1 first.

    >>> key_sequences({"FLAIR": {"mu_1": 0.15, "mean_slope": 0.1},
    ...                "T1CE": {"mu_1": 0.9, "mean_slope": 0.8}})
    ['T1CE']
    """

    def is_key(f: dict) -> bool:
        return f["mu_1"] is not None and f["mu_1"] >= tau and (f["mean_slope"] or 0.0) > 0

    candidates = [name for name, f in features.items() if is_key(f)]
    return sorted(candidates, key=lambda name: -features[name]["mu_1"])


def complementary(key: list[str]) -> list[str]:
    """The sequences that are not key, in channel order.

    >>> complementary(["T2", "FLAIR"])
    ['T1', 'T1CE']
    """
    return [name for name in SEQUENCES if name not in key]


def target_images_acc(
    model, exams: list[data.ExamSlices], target: Target, *, stages: int, batch_size: int
) -> ExamContributions:
    """Eq. (6) on every slice of ``exams`` whose reference holds ``target`` ([1]'s test images)."""
    parts = []
    for exam in exams:
        holds = target_mask(exam.labels, target, exam.scheme).any(axis=(1, 2))
        if holds.any():
            images = exam.images[holds]
            parts.append(exam_contributions(model, images, stages, batch_size, compiled="auto"))
    if not parts:
        raise ValueError(f"no test image holds {target}; use a larger cohort or another seed")
    return ExamContributions(
        t=parts[0].t,
        intersection=np.concatenate([p.intersection for p in parts]),
        union=np.concatenate([p.union for p in parts]),
    )


def analyse(data_dir: Path, settings: Settings, out_dir: Path, *, progress: bool = True) -> dict:
    """Run the whole analysis on a BraTS folder; write and return its report.

    Models (resumable checkpoints) go under ``out_dir``, with ``key_modalities.json`` (the report)
    and ``acc_curves.json`` (the mean ± SD ACC of every target and sequence on the stage grid).

    Raises
    ------
    ValueError
        For a folder without glioma patients for a split and ``settings.folds`` folds, or a
        checkpoint in ``out_dir`` of more epochs than asked for.
    """
    started = time.monotonic()
    out_dir = Path(out_dir)
    cohort = load_cohort(data_dir)
    seed = settings.training.seed
    training_patients, test_patients = data.split_patients(cohort.patients, seed)
    folds = patient_folds(training_patients, settings.folds, seed)
    bar = tqdm(total=len(Target), desc="key modalities", disable=not progress)
    curves, identified = {}, {}
    for target in Target:
        identified[target], curves[target] = identify(
            cohort, training_patients, test_patients, target, settings, out_dir, bar
        )
    compared = {
        target: settings.given_key.get(target.value, identified[target]["key"]) for target in Target
    }
    inputs = {target: configurations(compared[target]) for target in Target}
    bar.total += len(folds) * sum(len(_distinct(c)) for c in inputs.values())
    bar.refresh()
    table = {
        target.value: compare(
            cohort,
            folds,
            target,
            inputs[target],
            settings.training,
            out_dir / "unet" / target.value.lower(),
            bar,
        )
        for target in Target
    }
    bar.close()
    split = (training_patients, test_patients, folds)
    report = build_report(cohort, settings, identified, table, split)
    report |= {"data": str(Path(data_dir).resolve()), "out": str(out_dir.resolve())}
    report["seconds"] = round(time.monotonic() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / ACC_CURVES).write_text(json.dumps(curves) + "\n")
    (out_dir / REPORT).write_text(json.dumps(report, indent=2) + "\n")
    return report


def identify(
    cohort: Cohort, training_patients, test_patients, target, settings, out_dir, bar=None
) -> tuple[dict, dict | None]:
    """Train the target's NODE and summarise its ACC on the test images: (what was identified,
    the mean ± SD ACC curves).

    The NODE's γ on the test slices is taken first on its own (cheap) training grid. If it is
    empty there, the ACC and the analysis-grid check are not computed (with γ empty, μ is 0
    wherever η is not, whatever the flow): the features are None, the curves None, ``segments``
    False and the warning says so. ``node_train`` (γ on the training slices, same grid) and
    ``losses`` (mean BCE per epoch) tell an undertrained NODE from one that does not
    generalise."""
    if bar is not None:
        bar.set_description(f"NODE {target}")
    prepared = cohort.prepared(training_patients)
    model, losses, clipped = train_node(
        settings.training, target, prepared, out_dir / "node" / target.value.lower()
    )
    test_exams = cohort.exams_of(test_patients)
    batch_size = settings.training.inference_batch
    trained = grid_check(model, test_exams, target, model.steps, batch_size)["trained"]
    identified = {
        "losses": losses,
        "clipped": clipped,
        "node_train": _overlap(
            grid_check(model, prepared.training, target, model.steps, batch_size)["trained"]
        ),
        "node_test": _overlap(trained) | {"steps": model.steps},
    }
    if trained.tp + trained.fp == 0:
        if bar is not None:
            bar.update()
        images = sum(_holding(exam, target) for exam in test_exams)
        return identified | {
            "warning": f"the {target} NODE segments nothing on the test images (on its "
            f"{model.steps}-step training grid; training loss per epoch {losses}), so its ACC "
            "was not computed and no sequence can be key: give it more Adam updates "
            "(smaller batches, more epochs)",
            "segments": False,
            "features": {name: dict.fromkeys(FEATURES) for name in SEQUENCES},
            "images": images,
            "key": [],
        }, None
    contributions = target_images_acc(
        model, test_exams, target, stages=settings.stages, batch_size=batch_size
    )
    features = acc_features(contributions.t, contributions.acc, contributions.acc_sd)
    grids = grid_check(model, test_exams, target, settings.stages - 1, batch_size)
    if bar is not None:
        bar.update()
    warning = None
    gamma = grids.get("analysis", grids["trained"])  # the γ of eq. 6: the flow's, at t = 1
    if gamma.tp + gamma.fp == 0:  # γ empty: μ = 0 wherever η is not, NaN elsewhere
        warning = (
            f"the {target} NODE segments nothing on the test images at {settings.stages - 1} "
            "steps, so no sequence can be key: give it more Adam updates"
        )
    identified |= {
        "warning": warning,
        "segments": gamma.tp + gamma.fp > 0,
        "features": features,
        "images": int(contributions.union.shape[0]),
        "key": key_sequences(features, settings.tau),
    }
    if "analysis" in grids:
        identified["node_test_analysis_grid"] = _overlap(grids["analysis"]) | {
            "steps": settings.stages - 1,
            "agreement_dice": round(grids["agreement"].overlap()["dice"], 6),
        }
    curve = {
        "t": contributions.t.tolist(),
        "mean": dict(zip(SEQUENCES, np.round(contributions.acc.T, 6).tolist(), strict=True)),
        "sd": dict(zip(SEQUENCES, np.round(contributions.acc_sd.T, 6).tolist(), strict=True)),
    }
    return identified, curve


def train_node(
    training: Training, target: Target, prepared: data.PreparedData, folder: Path
) -> tuple[torch.nn.Module, list[float], list[int]]:
    """The target's NODE as :meth:`Training.model` trains it (on ``training.device``, resuming
    its checkpoint with ``training.checkpoints``), in eval mode, with its mean loss per epoch and
    the batches per epoch run whose gradient was clipped (:func:`fit`)."""
    run = TrainingRun(
        kind=Kind.NODE,
        target=Target(target),
        preset=training.preset,
        sequences=SEQUENCES,
        steps=training.steps,
        seed=training.seed,
        batch_size=training.batch_size,
        crop=training.crop,
        slice_rule=data.SliceRule.WT,
        default_scheme=LabelScheme.BRATS2020,
    )
    torch.manual_seed(training.seed)
    model = build_model(run).to(training.device)
    folder.mkdir(parents=True, exist_ok=True)
    clipped: list[int] = []
    losses = fit(
        *(model, run, prepared, training.node_epochs, folder),
        resume=training.checkpoints,
        progress=False,
        checkpoints=training.checkpoints,
        clipped=clipped,
    )
    if len(losses) != training.node_epochs:
        raise ValueError(
            f"{folder} holds a checkpoint of {len(losses)} epochs, more than the "
            f"{training.node_epochs} asked for; give another output folder"
        )
    return model.eval(), losses, clipped


def _holding(exam: data.ExamSlices, target: Target) -> int:
    return int(target_mask(exam.labels, target, exam.scheme).any(axis=(1, 2)).sum())


def grid_check(model, exams, target: Target, analysis_steps: int, batch_size: int) -> dict:
    """Pooled counts of γ against the reference on every slice of ``exams``: on the NODE's own
    grid (``"trained"``) and, if it differs, on the analysis grid (``"analysis"``), with the two
    γ against each other (``"agreement"``): [2] §A13's check for a NODE trained on a coarser
    grid than its flows are analysed on (Dice of the two γ ≥ 0.99)."""
    trained = model.steps
    grids = {"trained": trained}
    if analysis_steps != trained:
        grids["analysis"] = analysis_steps
    pooled: dict[str, np.ndarray] = {}
    try:
        for exam in exams:
            reference = target_mask(exam.labels, target, exam.scheme)
            masks = {}
            for name, steps in grids.items():
                model.steps = steps
                masks[name] = segment(model, exam.images, batch_size)
            pairs = {name: (mask, reference) for name, mask in masks.items()}
            if "analysis" in masks:
                pairs["agreement"] = (masks["trained"], masks["analysis"])
            for name, (prediction, truth) in pairs.items():
                counts = ConfusionCounts.of(prediction, truth)
                pooled[name] = pooled.get(name, 0) + np.array(
                    [counts.tp, counts.fp, counts.fn, counts.tn], np.int64
                )
    finally:
        model.steps = trained
    return {name: ConfusionCounts(*(int(n) for n in counts)) for name, counts in pooled.items()}


def _overlap(counts: ConfusionCounts) -> dict:
    return {k: round(v, 6) for k, v in counts.overlap().items()}


def configurations(key: list[str]) -> dict[str, list[str]]:
    """The U-Net inputs: all four, the key and the complementary sequences, in channel order."""
    in_order = [name for name in SEQUENCES if name in key]
    return {BASELINE: list(SEQUENCES), "key": in_order, "complementary": complementary(key)}


def _distinct(configurations: dict[str, list[str]]) -> set[tuple[str, ...]]:
    return {tuple(sequences) for sequences in configurations.values() if sequences}


def build_report(cohort, settings, identified, table, split) -> dict:
    """The report of the analysis so far: ``identified`` and ``table`` may lack targets not done
    yet; ``split`` is (training patients, test patients, folds)."""
    training_patients, test_patients, folds = split
    by_target = {target.value: found for target, found in identified.items()}
    return {
        "key_sequences": {target: found["key"] for target, found in by_target.items()},
        "acc_at_1": {
            target: {name: f["mu_1"] for name, f in found["features"].items()}
            for target, found in by_target.items()
        },
        "acc": {
            target: {"images": found["images"], "sequences": found["features"]}
            for target, found in by_target.items()
        },
        "node_test": {target: found["node_test"] for target, found in by_target.items()},
        "node_training": {
            target: {
                "losses": found.get("losses"),
                "clipped_batches": found.get("clipped"),
                "train": found.get("node_train"),
                "segments_test": found.get("segments"),
            }
            for target, found in by_target.items()
        },
        "node_test_analysis_grid": {
            target: found["node_test_analysis_grid"]
            for target, found in by_target.items()
            if "node_test_analysis_grid" in found
        },
        "warnings": [found["warning"] for found in by_target.values() if found["warning"]],
        "table": table,
        "statistics": {
            "test": "Wilcoxon signed-rank, two-sided, against all four sequences",
            "pairs": "folds (primary); images holding the target (secondary)",
            "aggregation": "per fold: confusion matrix pooled over the pixels of every WT slice "
            "of the fold's validation exams; then mean and SD (ddof 1) over the folds",
            "alpha": settings.alpha,
            "minimum_p_folds": minimum_p(len(folds)) if folds else None,
        },
        "key_rule": f"mu_1 >= {settings.tau} and mu_1 - mu_0 > 0, ranked by mu_1 (heuristic)",
        "key_source": {
            target.value: "given" if target.value in settings.given_key else "rule"
            for target in Target
        },
        "settings": settings.as_json(),
        "cohort": {
            "glioma_patients": len(cohort.patients),
            "exams": len(cohort.exams),
            "excluded_cases": len(cohort.excluded),  # exam folders; the JSON key is kept
            "training_patients": training_patients,
            "test_patients": test_patients,
            "folds": folds,
        },
    }


def _number(value) -> float | None:
    return round(float(value), 6) if np.isfinite(value) else None
