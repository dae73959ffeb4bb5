"""Validation of a trained model on held-out patients: whole slices, metrics per exam volume.

By default every axial slice that holds brain is segmented uncropped (the rest of the volume
counts as predicted empty), the slices are stacked back into the exam's volume, and the volume
is measured against the reference target with :func:`segmentation.engine.metrics.binary_metrics`.
The summary is the mean and SD over exams; the Hausdorff distance of an exam with an empty mask is
infinite, stored as null and left out of its mean. For a NODE, the spec's check A13 [1]
compares γ on the grid the model was trained on with γ at Δt = 0.01, the grid of the flows.

[1] spec/node-and-radiogenomics.md, §A5 (A13) and §A6 (A16: per-volume aggregation).
"""

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from imaging.brats import BratsExamFolder
from imaging.labels import LabelScheme
from segmentation.engine import data
from segmentation.engine.metrics import binary_metrics
from segmentation.engine.node import NODESegmenter
from segmentation.engine.targets import Target, target_mask

GRID_CHECK_STEPS = 100  # Δt = 0.01
SUMMARY_METRICS = ("dice", "jaccard", "sensitivity", "specificity", "precision", "accuracy")


def validate(
    model: nn.Module,
    exam_folders: list[tuple[BratsExamFolder, LabelScheme]],
    target: Target,
    channels: list[int],
    batch_size: int,
    *,
    rule: data.SliceRule = data.SliceRule.BRAIN,
    progress: bool,
) -> tuple[dict, dict]:
    """Segment the ``rule`` slices of each held-out exam, whole; metrics per exam volume.

    Slices outside the rule count as predicted empty. Returns the summary (mean and SD over
    exams; for a NODE also the grid check of A13 on each patient's largest-tumour slice) and
    the metrics of each exam.
    """
    model.eval()
    per_exam, largest = {}, {}
    with torch.inference_mode():
        for exam_folder, scheme in tqdm(exam_folders, desc="validation", disable=not progress):
            exam = data.load_exam(exam_folder, scheme)
            keep = data.slice_indices(exam, rule)
            slices = data.axial_slices(exam.image)[keep][:, channels]
            predicted = np.zeros(data.axial_slices(exam.labels).shape, bool)
            if len(keep):
                predicted[keep] = _segment(model, slices, batch_size)
            reference = target_mask(exam.labels, target, scheme)
            metrics = binary_metrics(np.moveaxis(predicted, 0, -1), reference, exam.spacing)
            per_exam[exam_folder.name] = {
                "patient": exam_folder.patient_key,
                "slices": len(keep),
                "limits": exam.normalization,
                **{key: _json_number(value) for key, value in metrics.items()},
            }
            areas = data.axial_slices(reference)[keep].sum(axis=(1, 2))
            best = int(np.argmax(areas)) if len(keep) else None
            patient = exam_folder.patient_key
            if best is not None and areas[best] >= largest.get(patient, (-1,))[0]:
                largest[patient] = (areas[best], slices[best])
        summary = _summary(per_exam, rule)
        if isinstance(model, NODESegmenter) and largest:
            summary |= _grid_agreement(model, np.stack([x for _, x in largest.values()]))
    return summary, per_exam


def _segment(model, slices: np.ndarray, batch_size: int) -> np.ndarray:
    masks = []
    for start in range(0, len(slices), batch_size):
        x = torch.from_numpy(np.ascontiguousarray(slices[start : start + batch_size]))
        masks.append((model(x) > 0)[:, 0].numpy())
    return np.concatenate(masks)


def _grid_agreement(model: NODESegmenter, x0: np.ndarray) -> dict:
    """[2] A13: Dice(γ on the training grid, γ at Δt = 0.01), pooled over the slices."""
    x = torch.from_numpy(x0)
    coarse = _segment(model, x0, len(x))
    fine = (model(x, steps=GRID_CHECK_STEPS) > 0)[:, 0].numpy()
    both, total = np.count_nonzero(coarse & fine), np.count_nonzero(coarse) + np.count_nonzero(fine)
    return {
        "grid_agreement_dice": round(1.0 if total == 0 else 2 * both / total, 4),
        "grid_agreement_steps": [model.steps, GRID_CHECK_STEPS],
        "grid_agreement_slices": len(x0),
    }


def _summary(per_exam: dict, rule: data.SliceRule) -> dict:
    summary = {
        "cases": len(per_exam),  # the held-out exams; the model card's key stays "cases"
        "patients": len({e["patient"] for e in per_exam.values()}),
        "slice_rule": rule.value,
        "scope": f"the {rule.value!r} slices of each held-out exam, uncropped (others empty); "
        "metrics per exam volume; mean and SD (ddof 1) over exams",
    }
    for metric in (*SUMMARY_METRICS, "hausdorff95"):
        values = [e[metric] for e in per_exam.values() if e[metric] is not None]
        summary[metric] = round(float(np.mean(values)), 4) if values else None
        summary[f"{metric}_sd"] = round(float(np.std(values, ddof=1)), 4) if len(values) > 1 else 0
    return summary


def _json_number(value: float) -> float | None:
    """JSON has no infinity: an empty mask's Hausdorff distance is stored as null."""
    return round(float(value), 6) if np.isfinite(value) else None
