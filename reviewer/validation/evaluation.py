"""The evaluation of a validation run's candidate on the dataset version's reference labels,
after the evaluation paper (spec ease-and-evaluation.md, part B), computed by the worker at the
end of the run with segmentation.engine.evaluation and imaging.quality:

- performance: per case, the candidate's map against the reference label's region of the
  model's target, counted inside the head (Dice, Jaccard, sensitivity, specificity, PPV, NPV,
  balanced accuracy, HD95, AUROC), and their means with 95 % bootstrap intervals per stratum of
  each axis: the tumour group and the site the dataset version records of each case, and the
  scanner (manufacturer and model in the de-identified header), "unknown" where not known;
- confidence: NLL, Brier, ECE, MCE per patient and averaged, the pooled reliability diagram,
  and temperature and Platt scaling fitted on the cases, with the metrics before and after;
- volume intervals: conformalized quantile regression of the reference region's volume from
  the candidate's (its predicted volume and mean confidence), split by case into training,
  calibration and held-out cases, with the coverage measured on the held-out ones; only from
  MIN_INTERVAL_CASES cases on (fewer give no finite interval at 90 %);
- data quality: MRQy-style features of every acquired series (the raw volume), their Spearman
  correlation with each performance metric, Benjamini–Hochberg-adjusted at
  NEUROREVIEW_QUALITY_ALPHA (0.25, as the paper), and their PCA labelled by site (by scanner
  where the version records no site)."""

import dataclasses
import hashlib

import numpy as np
from django.conf import settings

from imaging.quality import quality_features
from reviewer.core.storage import read_nifti
from reviewer.core.version import SOFTWARE_VERSION
from reviewer.validation.models import Evaluation, ValidationRun
from reviewer.validation.strata import AXES, UNKNOWN
from segmentation import inference
from segmentation.engine.evaluation import calibration, conformal, data_quality, performance
from segmentation.engine.targets import target_mask

ALPHA_SETTING = "NEUROREVIEW_QUALITY_ALPHA"
INTERVAL_ALPHA = 0.1  # 90 % intervals
MIN_INTERVAL_CASES = (
    36  # half to train, a quarter (≥ 9, for a finite 90 % bound) each to calibrate and test
)


def evaluate(run: ValidationRun, segmenter: inference.Segmenter, *, report=None) -> Evaluation:
    """Compute and store the run's evaluation (the stored one when it exists)."""
    stored = Evaluation.objects.filter(run=run).first()
    if stored is not None:
        return stored
    version, cases = run.model_version, list(run.cases.select_related("case__exam", "candidate"))
    rows, confidences, logits_all, labels_all, quality = [], [], [], [], []
    for number, case in enumerate(cases):
        if report is not None:
            report(number, len(cases), f"evaluating case {number + 1} of {len(cases)}")
        exam = case.case.exam
        reference = case.case.reference
        labels = np.asanyarray(read_nifti(reference.file.name).dataobj)
        truth = target_mask(labels, version.target, reference.label_scheme)
        predicted = np.asanyarray(read_nifti(case.candidate.file.name).dataobj) > 0
        logits = segmenter.logits(version, inference.exam_channels(exam))
        head = np.isfinite(logits)
        probabilities = 1 / (1 + np.exp(-np.where(head, logits, 0.0)))
        spacing = exam.series.first().spacing
        measured = performance.performance(
            predicted, truth, spacing, within=head, probabilities=probabilities
        )
        voxel_ml = float(np.prod(spacing)) / 1000
        rows.append(
            {
                "case": case.case.key,
                "tumour_group": case.case.tumour_group or UNKNOWN,
                "site": case.case.site or UNKNOWN,
                "scanner": scanner(exam),
                **measured.to_dict(),
                "predicted_ml": float(predicted[head].sum()) * voxel_ml,
                "reference_ml": float(truth.sum()) * voxel_ml,
                "mean_confidence": float(probabilities[predicted & head].mean())
                if (predicted & head).any()
                else 0.0,
            }
        )
        confidences.append((probabilities[head], truth[head]))
        logits_all.append(logits[head])
        labels_all.append(truth[head])
        quality.append(_quality(exam))
    logits, labels = np.concatenate(logits_all), np.concatenate(labels_all)
    results = {
        "provenance": {
            "model_version": str(version),
            "model_sha256": version.sha256,
            "dataset_version": str(run.dataset_version),
            "dataset_sha256": run.dataset_version.sha256,
            "software_version": SOFTWARE_VERSION,
            "target": version.target,
        },
        "cases": rows,
        "performance_by": {axis: _by_stratum(rows, axis) for axis in AXES},
        "calibration": {
            "patient_mean": calibration.patient_mean(confidences).to_dict(),
            "reliability": [
                dataclasses.asdict(b)
                for b in calibration.reliability_diagram(1 / (1 + np.exp(-logits)), labels)
            ],
            "temperature": calibration.fit_temperature(logits, labels).to_dict(),
            "platt": calibration.fit_platt(logits, labels).to_dict(),
        },
        "volume_intervals": volume_intervals(rows),
        "data_quality": _data_quality(rows, quality),
    }
    evaluation, _ = Evaluation.objects.get_or_create(run=run, defaults={"results": results})
    return evaluation


def _by_stratum(rows: list[dict], axis: str) -> dict:
    """stratum of ``axis`` -> metric -> mean with its bootstrap interval."""
    summary = performance.summarise_by_stratum(
        [{m: row[m] for m in performance.METRICS if m in row} for row in rows],
        [row[axis] for row in rows],
    )
    return {
        stratum: {metric: mean.to_dict() for metric, mean in by_metric.items()}
        for stratum, by_metric in summary.items()
    }


def volume_intervals(rows: list[dict], *, alpha: float = INTERVAL_ALPHA) -> dict:
    """CQR intervals on the reference volume from the candidate's predicted volume and mean
    confidence. Cases are split by the sha256 of their key (the same dataset version always
    splits alike): half train, a quarter calibrate, a quarter are held out and covered."""
    if len(rows) < MIN_INTERVAL_CASES:
        return {
            "alpha": alpha,
            "note": f"{len(rows)} cases: volume intervals need at least {MIN_INTERVAL_CASES}",
        }
    ranked = sorted(rows, key=lambda row: hashlib.sha256(row["case"].encode()).hexdigest())
    half, three_quarters = len(ranked) // 2, 3 * len(ranked) // 4
    train, calibrate, held_out = (
        ranked[:half], ranked[half:three_quarters], ranked[three_quarters:]
    )  # fmt: skip

    def features(part):
        return [[row["predicted_ml"], row["mean_confidence"]] for row in part]

    def volumes(part):
        return [row["reference_ml"] for row in part]

    fitted = conformal.fit_cqr(
        features(train), volumes(train), features(calibrate), volumes(calibrate), alpha=alpha
    )
    intervals = fitted.intervals(features(held_out))
    return {
        "alpha": alpha,
        "cases": {"train": len(train), "calibration": len(calibrate), "held_out": len(held_out)},
        "coverage": conformal.coverage(intervals, volumes(held_out)),
        "mean_width_ml": float(np.mean(intervals.width)),
        "held_out": [
            {"case": row["case"], "reference_ml": row["reference_ml"], "lower": lo, "upper": hi}
            for row, lo, hi in zip(
                held_out, intervals.lower.tolist(), intervals.upper.tolist(), strict=True
            )
        ],
    }


def scanner(exam) -> str:
    header = next((s.dicom_header for s in exam.series.all() if s.dicom_header), {})
    named = " ".join(
        str(header[k]) for k in ("Manufacturer", "ManufacturerModelName") if header.get(k)
    )
    return named or UNKNOWN


def _quality(exam) -> dict[str, float | None]:
    """The features of each raw series: the acquired one where the exam has originals."""
    raw = list(exam.acquired_series.all()) or list(exam.series.all())
    features = {}
    for series in raw:
        volume = np.asanyarray(read_nifti(series.file.name).dataobj, dtype=np.float32)
        for name, value in quality_features(volume).items():
            features[f"{series.sequence} {name}"] = value
    return features


def _data_quality(rows: list[dict], quality: list[dict]) -> dict:
    alpha = getattr(settings, ALPHA_SETTING, data_quality.ALPHA)
    metrics = [{m: row[m] for m in performance.METRICS if m in row} for row in rows]
    found = {
        "alpha": alpha,
        "correlations": [
            c.to_dict() for c in data_quality.correlate(quality, metrics, alpha=alpha)
        ],
    }
    if len(rows) < data_quality.MIN_CASES:  # two points always lie on one component
        found.update(pca=None, pca_note=f"{len(rows)} cases are too few for a PCA")
        return found
    by = "site" if any(row["site"] != UNKNOWN for row in rows) else "scanner"
    found["pca_labels"] = by
    try:
        pca = data_quality.quality_pca(
            quality, [row[by] for row in rows], cases=[row["case"] for row in rows]
        )
        found["pca"] = pca.to_dict()
    except ValueError as too_few:
        found["pca"] = None
        found["pca_note"] = str(too_few)
    return found
