"""What a user may export: the export roles only (researcher, QA admin, data steward), and of the
patients only those the user may see (Patient.objects.visible_to: a researcher, those granted to
them), by pseudonym. A pseudonym one may not see is refused exactly as one that does not exist."""

from collections.abc import Sequence

from reviewer.cases.models import Patient
from reviewer.core.permissions import EXPORT_ROLES, has_role


class ExportRefused(Exception):
    pass


def exportable_patients(user, pseudonyms: Sequence[str] = ()):
    """The patients ``user`` may export: all they may see, or the named ones among them."""
    if not has_role(user, EXPORT_ROLES):
        raise ExportRefused(f"{user.username} is a {user.role}: this role may not export")
    visible = Patient.objects.visible_to(user)
    if not pseudonyms:
        return visible
    chosen = visible.filter(pseudonym__in=pseudonyms)
    missing = sorted(set(pseudonyms) - set(chosen.values_list("pseudonym", flat=True)))
    if missing:
        raise ExportRefused("no patient you may export: " + ", ".join(missing))
    return chosen
