from neuroreview.celery import default_task
from reviewer.alarms import clinical, ensemble


@default_task()
def reevaluate_clinical_alarms() -> int:
    """Evaluate the clinical rules again on every patient (after the rules changed). Idempotent:
    alarms that still hold stay as they are. Returns the number of patients."""
    return clinical.evaluate_all()


@default_task()
def refresh_ensemble_alarms() -> None:
    """Score every exam's ensemble against the current thresholds (after a set was frozen)."""
    ensemble.refresh_alarms()
