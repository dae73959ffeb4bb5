"""What the manifest shows of an exam's preprocessing, for readers and QA: its latest run (steps,
flags, rejection) with the brain mask, and the series as acquired, each placed where
co-registration put it, so that an original shown instead of its series lines up with the rest
of the exam (and, for a prior, with the current exam)."""

import numpy as np

from imaging.registration import LPS_FROM_RAS
from reviewer.cases.models import AcquiredSeries, Exam
from reviewer.preprocessing.models import PreprocessingRun
from reviewer.viewer.volume_json import volume_json
from reviewer.viewer.voxel_cache import volume_summary


def preprocessing_json(exam: Exam, matrix_lps) -> dict | None:
    runs = exam.preprocessing_runs.all()  # prefetched, newest first
    run = runs[0] if runs else None
    if run is None:
        return None
    mask = getattr(run, "brain_mask", None)
    return {
        "id": run.pk,
        "status": run.status,
        "message": run.message,
        "error": run.error,
        "parameters": run.parameters,
        "steps": run.steps,
        "flags": run.flags,
        "brain_mask": None if mask is None else volume_json("brain-masks", mask, matrix_lps),
        "rejection": _rejection(run),
    }


def acquired_series_json(exam: Exam, matrix_lps) -> list[dict]:
    runs = exam.preprocessing_runs.all()
    steps = runs[0].steps if runs else []
    placed = _coregistration_lps(steps)
    shown = []
    for series in exam.acquired_series.all():
        to_reference = placed.get(series.sequence, np.eye(4))
        moved = to_reference if matrix_lps is None else np.asarray(matrix_lps) @ to_reference
        shown.append(
            {
                "sequence": series.sequence,
                **volume_json("acquired-series", series, moved),
                "window": volume_summary(series)["window"],
                "description": series.description,
                "slice_thickness_mm": series.slice_thickness_mm,
            }
        )
    return shown


def _coregistration_lps(steps: list[dict]) -> dict[str, np.ndarray]:
    """Each sequence's LPS matrix onto the reference, from the run's co-registration record."""
    step = next((s for s in steps if s.get("step") == "coregistration"), {})
    return {
        sequence: LPS_FROM_RAS @ np.asarray(done["moving_to_reference_ras"]) @ LPS_FROM_RAS
        for sequence, done in step.get("sequences", {}).items()
    }


def _rejection(run: PreprocessingRun) -> dict | None:
    if run.rejected_at is None:
        return None
    by = run.rejected_by
    return {
        "by": (by.get_full_name() or by.get_username()) if by else "",
        "at": run.rejected_at.isoformat(),
        "reason": run.rejection_reason,
    }


ACQUIRED_SERIES = AcquiredSeries.objects.order_by("sequence")
RUNS = PreprocessingRun.objects.select_related("brain_mask", "rejected_by").order_by("-pk")
