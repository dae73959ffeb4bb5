"""Asking for a validation run: a QA admin, for a single-target model version on a sealed
dataset version, against the live version of its lineage; the run is enqueued on the `gpu`
queue after commit (reviewer.validation.runs is the worker's part)."""

from django.db import transaction

from reviewer.datasets.models import DatasetVersion
from reviewer.validation.models import ValidationRun
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
