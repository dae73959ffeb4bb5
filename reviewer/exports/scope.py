"""What a user may export: the export roles only (researcher, QA admin, data steward), and of the
patients only those the user may see (Patient.objects.visible_to), by pseudonym or as the
patients of a dataset version's cases.

A researcher exports only what the data steward has released to them (reviewer.exports.releases)
among the patients they see. QA admins and the steward export what they see without a release:
they hold the data already, and the release is the steward's control over researchers. A
pseudonym one may not see is refused exactly as one that does not exist; one seen but not
released is named as such.

Blinding holds in exports too: the AI output of the exams whose AI the user may not see now
(reviewer.cases.blinding) is left out of their export (``without_ai``), the reference and
readers' maps of a patient they still read (``without_reference``), and the study
events of the study versions they still read in (``still_reading``): those show other readers'
answers and marks, which a reader sees only once their own readings are done (S-07)."""

from collections.abc import Sequence

from reviewer.cases.blinding import exams_without_ai, exams_without_reference
from reviewer.cases.models import Patient
from reviewer.core.models import Role
from reviewer.core.permissions import EXPORT_ROLES, has_role
from reviewer.datasets.models import DatasetCase
from reviewer.exports.releases import released_patients
from reviewer.studies.models import Reading


class ExportRefused(Exception):
    pass


def exportable_patients(user, pseudonyms: Sequence[str] = (), dataset_version=None):
    """The patients ``user`` may export: all they may, or the named ones among them, or those
    with an exam among the cases of ``dataset_version``."""
    if not has_role(user, EXPORT_ROLES):
        raise ExportRefused(f"{user.username} is a {user.role}: this role may not export")
    visible = Patient.objects.visible_to(user)
    exportable = visible
    if user.role == Role.RESEARCHER:
        exportable = visible.filter(pk__in=released_patients(user).values("pk"))
    if dataset_version is not None:
        cases = DatasetCase.objects.filter(version=dataset_version)
        exportable = exportable.filter(pk__in=cases.values("exam__patient"))
    if not pseudonyms:
        return exportable
    chosen = exportable.filter(pseudonym__in=pseudonyms)
    found = set(chosen.values_list("pseudonym", flat=True))
    seen = set(visible.filter(pseudonym__in=pseudonyms).values_list("pseudonym", flat=True))
    unreleased = sorted(seen - found)
    if unreleased:
        raise ExportRefused("not released to you for export: " + ", ".join(unreleased))
    missing = sorted(set(pseudonyms) - seen)
    if missing:
        raise ExportRefused("no patient you may export: " + ", ".join(missing))
    return chosen


def without_ai(user):
    """The ids of the exams whose AI output ``user``'s export leaves out (a subquery)."""
    return exams_without_ai(user)


def without_reference(user):
    """The ids of the exams whose reference and readers' maps ``user``'s export leaves out."""
    return exams_without_reference(user)


def still_reading(user):
    """The ids of the study versions in which ``user`` has readings to finish (a subquery)."""
    return Reading.objects.filter(reader=user, session__isnull=True).values("version")
