"""The cohort's band for the flow player: per target, the mean ± SD over every NODE
segmentation's exam ACC curve (paper 000, eq. 6), stage by stage and sequence by sequence.

Curves are only comparable on the same stages, so each target uses the stage grid most of its
flows share. An undefined ACC value (stored as null) is left out of that stage's statistics."""

from collections import Counter, defaultdict

import numpy as np

from segmentation.models import AccCurves, ModelVersion


def cohort_acc() -> dict[str, dict]:
    curves = defaultdict(list)
    flows = AccCurves.objects.filter(
        segmentation__model_version__kind=ModelVersion.Kind.NODE
    ).values_list("segmentation__target", "stages", "acc_mean")
    for target, stages, acc_mean in flows:
        curves[target].append((tuple(stages), acc_mean))
    return {target: _band(rows) for target, rows in sorted(curves.items()) if target}


def _band(rows: list[tuple[tuple, list]]) -> dict:
    stages, _ = Counter(s for s, _ in rows).most_common(1)[0]
    acc = np.array(
        [[[np.nan if v is None else v for v in row] for row in a] for s, a in rows if s == stages],
        dtype=float,
    )  # (exams, stages, sequences)
    defined = ~np.isnan(acc)
    counts = defined.sum(axis=0)
    values = np.where(defined, acc, 0.0)
    mean = values.sum(axis=0) / np.maximum(counts, 1)
    sd = np.sqrt((np.where(defined, acc - mean, 0.0) ** 2).sum(axis=0) / np.maximum(counts, 1))
    return {
        "stages": list(stages),
        "mean": _json(mean, counts),
        "sd": _json(sd, counts),
        "exams": len(acc),
    }


def _json(values: np.ndarray, counts: np.ndarray) -> list[list[float | None]]:
    return [
        [round(float(v), 6) if n else None for v, n in zip(row, row_counts, strict=True)]
        for row, row_counts in zip(values, counts, strict=True)
    ]
