"""Making a model version live, through the gate, and taking it back; each is a Deployment
row written in the transaction that changes what is live (the database refuses a version
going live without one, and keeps one live version per lineage).

- install: a lineage's first version, when none of it has ever been live (there is nothing to
  compare with; its validation run establishes the baseline grades);
- deploy: a validated candidate whose run the gate finds deployable, in place of the run's
  baseline; a compatible one joins the baseline's compatibility group, an incompatible one
  starts a new group;
- rollback: the live version's predecessor, live again.

As a version goes live, the ensemble alarm thresholds are frozen again over the reference
dataset it was validated on, and the set is recorded with the deployment."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from reviewer.alarms import ensemble
from reviewer.alarms.thresholds import FreezeError, freeze_thresholds
from reviewer.datasets.models import DatasetVersion
from reviewer.validation import gate
from reviewer.validation.models import Deployment, ValidationRun
from segmentation.models import ModelVersion


class DeploymentRefused(ValueError):
    """A deployment the gate or the lineage's history does not allow; `field` names the input."""

    def __init__(self, message: str, field: str = "run"):
        super().__init__(message)
        self.field = field


def install(version: ModelVersion, *, user, reason: str) -> Deployment:
    """Make a lineage's first version live."""
    lineage = ModelVersion.objects.lineage(version)
    if Deployment.objects.filter(model_version__in=lineage).exists():
        raise DeploymentRefused(
            f"{version}'s lineage has had a live version: a new version goes live only "
            "through a validation run",
            "model_version",
        )
    return _go_live(
        version, Deployment.Action.INSTALL, user=user, reason=reason, group=1, decision={}
    )


def deploy(run: ValidationRun, *, user, reason: str) -> Deployment:
    """Make the run's candidate live in place of its baseline, if the gate allows it."""
    run.refresh_from_db()  # the worker has written its outcome meanwhile
    decision = gate.decide(run)
    if not decision.deployable:
        raise DeploymentRefused(
            f"the gate does not allow {run.model_version}: {decision.decision.replace('_', ' ')}"
            + (f" ({'; '.join(decision.reasons)})" if decision.reasons else "")
        )
    candidate = run.model_version
    live = ModelVersion.objects.deployed().lineage(candidate).first()
    if live != run.baseline:
        now = f"{live}" if live else "none"
        raise DeploymentRefused(
            f"the live version of {candidate}'s lineage has changed since run {run.pk} compared "
            f"with {run.baseline or 'none'} (live now: {now}): validate it again"
        )
    if decision.compatible and run.baseline is not None:
        group = run.baseline.compatibility_group
    else:
        top = ModelVersion.objects.lineage(candidate).aggregate(top=Max("compatibility_group"))
        group = (top["top"] or 0) + 1
    return _go_live(
        candidate,
        Deployment.Action.DEPLOY,
        user=user,
        reason=reason,
        group=group,
        decision=decision.as_json(),
        run=run,
        replaced=run.baseline,
        dataset_version=run.dataset_version,
    )


def rollback(version: ModelVersion, *, user, reason: str) -> Deployment:
    """Take a live version back: the version it replaced is live again, in its own group."""
    if version.deployed_at is None:
        raise DeploymentRefused(f"{version} is not live", "model_version")
    # what it replaced when it went live through an install or the gate (not a rollback to it)
    last = (
        Deployment.objects.filter(model_version=version)
        .exclude(action=Deployment.Action.ROLLBACK)
        .order_by("-created_at", "-pk")
        .first()
    )
    previous = last.replaced if last else None
    if previous is None:
        raise DeploymentRefused(
            f"{version} was installed as its lineage's first version: there is nothing to roll "
            "back to",
            "model_version",
        )
    validated_on = _validated_on(previous)
    return _go_live(
        previous,
        Deployment.Action.ROLLBACK,
        user=user,
        reason=reason,
        group=previous.compatibility_group,
        decision={"rolled_back": str(version), "rolled_back_id": version.pk},
        replaced=version,
        dataset_version=validated_on,
    )


def _validated_on(version: ModelVersion) -> DatasetVersion | None:
    """The dataset version of the run that last took ``version`` through the gate."""
    run = (
        ValidationRun.objects.filter(model_version=version, deployments__isnull=False)
        .order_by("-created_at")
        .first()
    )
    return run.dataset_version if run else None


def _go_live(
    version: ModelVersion,
    action: str,
    *,
    user,
    reason: str,
    group: int,
    decision: dict,
    run: ValidationRun | None = None,
    replaced: ModelVersion | None = None,
    dataset_version: DatasetVersion | None = None,
) -> Deployment:
    if not reason.strip():
        raise DeploymentRefused("say why (the reason is part of the record)", "reason")
    with transaction.atomic():
        # one change of a lineage at a time
        list(ModelVersion.objects.lineage(version).select_for_update())
        version.refresh_from_db()
        if version.deployed_at is not None:
            raise DeploymentRefused(f"{version} is live already", "model_version")
        now = timezone.now()
        if replaced is not None:
            ModelVersion.objects.filter(pk=replaced.pk).update(deployed_at=None)
        thresholds, note = _refreeze(dataset_version, version, user)
        deployment = Deployment.objects.create(
            model_version=version,
            action=action,
            run=run,
            replaced=replaced,
            compatibility_group=group,
            decision=decision,
            reason=reason.strip(),
            user=user,
            created_at=now,
            threshold_set=thresholds,
            thresholds_note=note,
        )
        ModelVersion.objects.filter(pk=version.pk).update(
            deployed_at=now, compatibility_group=group
        )
    version.refresh_from_db()
    return deployment


def _refreeze(dataset_version: DatasetVersion | None, version: ModelVersion, user):
    """The ensemble thresholds frozen over the reference dataset's exams, with the version
    that goes live as a candidate; or None and why not."""
    if dataset_version is None:
        return None, "no reference dataset: the thresholds in force are kept"
    cases = dataset_version.cases.select_related("exam__patient")
    others = ModelVersion.objects.deployed().exclude(pk__in=ModelVersion.objects.lineage(version))
    live = [*others, version]
    for case in cases:
        ensemble.update_exam(case.exam, versions=live)
    try:
        frozen = freeze_thresholds(
            cohort=f"{dataset_version} as {version} went live",
            user=user,
            patients=sorted({case.exam.patient.pseudonym for case in cases}),
            exams=[case.exam_id for case in cases],
            model_versions=live,
            note=f"frozen by the deployment of {version}",
        )
    except FreezeError as error:
        return None, f"thresholds not frozen again: {error}"
    return frozen.threshold_set, "; ".join(frozen.left_out)
