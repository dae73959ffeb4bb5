"""Alarms follow the segmentations. Once an exam's segmentations are stored (composites
included), its ensemble is measured and the clinical rules are evaluated on its patient; once a
job has finished, every exam's ensemble alarms are scored against the current thresholds."""

from reviewer.alarms import clinical, ensemble


def measure_exam(sender, *, exam, **kwargs) -> None:
    ensemble.update_exam(exam)
    clinical.evaluate_patient(exam.patient)


def refresh_alarms(sender, **kwargs) -> None:
    ensemble.refresh_alarms()
