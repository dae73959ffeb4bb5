"""The steward's releases: deciding (release or revoke, a new row each time) and which patients
a researcher may export.

For a researcher, the newest row about a subject that names them or all researchers decides
whether the subject is released. A patient's own newest row, if any, wins over the dataset
versions holding it (a patient revoked on their own stays out even in a released dataset);
a patient with no row of their own is released when a dataset version with one of their exams
among its cases is."""

from django.db.models import Exists, OuterRef, Q, Subquery

from reviewer.cases.models import Patient
from reviewer.core.models import Role
from reviewer.core.permissions import STEWARD_ROLES, has_role
from reviewer.datasets.models import DatasetCase, DatasetVersion
from reviewer.exports.models import ExportRelease


class ReleaseRefused(ValueError):
    """A decision refused as given; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "non_field_errors"):
        super().__init__(message)
        self.field = field


def decide(
    *, action: str, steward, patient=None, dataset_version=None, researcher=None, note: str = ""
) -> ExportRelease:
    """Record the steward's release or revocation of a patient or a sealed dataset version for
    one researcher (or, with none, all researchers)."""
    if not has_role(steward, STEWARD_ROLES):
        raise ReleaseRefused(f"{steward.username} is not the data steward", "steward")
    if action not in ExportRelease.Action.values:
        raise ReleaseRefused(f"action: {action!r} is not release or revoke", "action")
    if (patient is None) == (dataset_version is None):
        raise ReleaseRefused("release a patient or a dataset version, one of them", "subject")
    if dataset_version is not None and dataset_version.sealed_at is None:
        raise ReleaseRefused(f"{dataset_version} is not sealed: its cases may still change")
    if researcher is not None and researcher.role != Role.RESEARCHER:
        raise ReleaseRefused(f"{researcher.username} is not a researcher", "researcher")
    return ExportRelease.objects.create(
        action=action,
        patient=patient,
        dataset_version=dataset_version,
        researcher=researcher,
        note=note,
        decided_by=steward,
    )


def _newest_action(user, subject: str):
    """The action of the newest row about the outer subject that applies to ``user``."""
    rows = ExportRelease.objects.filter(
        Q(researcher=user) | Q(researcher__isnull=True), **{subject: OuterRef("pk")}
    ).order_by("-decided_at", "-pk")
    return Subquery(rows.values("action")[:1])


def released_dataset_versions(user):
    return DatasetVersion.objects.annotate(decided=_newest_action(user, "dataset_version")).filter(
        decided=ExportRelease.Action.RELEASE
    )


def released_patients(user):
    """The patients released to the researcher ``user`` (before what they may see)."""
    in_released_dataset = DatasetCase.objects.filter(
        version__in=released_dataset_versions(user), exam__patient=OuterRef("pk")
    )
    return Patient.objects.annotate(decided=_newest_action(user, "patient")).filter(
        Q(decided=ExportRelease.Action.RELEASE)
        | Q(decided__isnull=True) & Exists(in_released_dataset)
    )
