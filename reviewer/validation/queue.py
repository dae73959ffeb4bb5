"""Asking for a validation run: a QA admin, for a single-target model version on a sealed
dataset version, against the live version of its lineage; and for a run's robustness sweep.
Both are enqueued on the `gpu` queue after commit (reviewer.validation.runs and .robustness are
the worker's parts)."""

from django.db import transaction

from reviewer.datasets.models import DatasetVersion
from reviewer.validation.models import RobustnessSweep, ValidationRun
from segmentation.models import ModelVersion

VALIDATED_KINDS = (ModelVersion.Kind.NODE, ModelVersion.Kind.UNET)


class RunRefused(ValueError):
    """A run that cannot be asked for; `field` names the offending input."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def request_run(*, model_version: ModelVersion, dataset_version: DatasetVersion, user):
    """A new run of the candidate on the dataset version, against the lineage's live version."""
    from reviewer.validation.tasks import validate

    if model_version.kind not in VALIDATED_KINDS or not model_version.target:
        raise RunRefused(
            f"{model_version} is not a single-target glioma model (NODE or U-Net): the gate "
            "compares such models' maps",
            "model_version",
        )
    if model_version.deployed_at is not None:
        raise RunRefused(f"{model_version} is live already", "model_version")
    if dataset_version.sealed_at is None:
        raise RunRefused(f"{dataset_version} is not sealed", "dataset_version")
    others = sorted(
        case.key
        for case in dataset_version.cases.select_related("exam__patient")
        if case.exam.patient.disease != model_version.disease
    )
    if others:
        raise RunRefused(
            f"{dataset_version} holds cases of another disease than {model_version}'s "
            f"({model_version.get_disease_display().lower()}): {', '.join(others)}",
            "dataset_version",
        )
    with transaction.atomic():
        baseline = ModelVersion.objects.deployed().lineage(model_version).first()
        run = ValidationRun.objects.create(
            model_version=model_version,
            dataset_version=dataset_version,
            baseline=baseline,
            created_by=user,
        )
        transaction.on_commit(validate.signature(kwargs={"run_pk": run.pk}).apply_async)
    return run


def request_robustness(run: ValidationRun, *, user) -> RobustnessSweep:
    """The run's FGSM sweep (the one asked for already, if any), enqueued after commit."""
    from reviewer.validation.tasks import sweep

    if run.status != ValidationRun.Status.SUCCEEDED:
        raise RunRefused(f"run {run.pk} has not segmented its cases yet", "run")
    with transaction.atomic():
        found, made = RobustnessSweep.objects.get_or_create(run=run, defaults={"created_by": user})
        if made:
            transaction.on_commit(sweep.signature(kwargs={"sweep_pk": found.pk}).apply_async)
    return found
