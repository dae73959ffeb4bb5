"""Alarms follow the segmentations: each newly segmented exam is measured against its ensemble,
and once a job has finished the cohort thresholds are recomputed and every exam's alarms synced."""

from reviewer.alarms import ensemble


def measure_exam(sender, *, exam, **kwargs) -> None:
    ensemble.update_exam(exam)


def refresh_alarms(sender, **kwargs) -> None:
    ensemble.refresh_alarms()
