"""Publishing a version of the clinical rules: the QA admin edits the current version (in the
admin or through the API) and the edit is stored as the next version, with who and why; every
patient's alarms are then evaluated again in the background. An edit based on a version that
is no longer current is refused as stale, so no change is lost unseen."""

from django.db import transaction

from reviewer.alarms import tasks
from reviewer.alarms.appending import StaleSubmission, append
from reviewer.alarms.models import RuleConfiguration

ONE_LINE = ("alarms_ruleconfiguration_version", "alarms_ruleconfiguration.version")


def publish_rules(configuration: RuleConfiguration, *, user, based_on: int) -> RuleConfiguration:
    """Store ``configuration`` (unsaved) as the version after ``based_on``, the version the
    editor started from. Raises django.core.exceptions.ValidationError naming invalid fields,
    StaleSubmission when ``based_on`` is no longer current."""
    stale = f"someone changed the alarm rules meanwhile: reload to see version {based_on + 1}"
    current = RuleConfiguration.objects.current()
    if based_on != current.version:
        raise StaleSubmission(
            f"version {current.version} is current, not {based_on}: reload to see it", "based_on"
        )
    configuration.full_clean(exclude=["version", "created_by"])  # ValidationError per field
    configuration.pk = None
    configuration.version = based_on + 1
    configuration.created_by = user
    stored = append(configuration, one_line=ONE_LINE, stale=stale, field="based_on")
    transaction.on_commit(tasks.reevaluate_clinical_alarms.signature().apply_async)
    return stored
