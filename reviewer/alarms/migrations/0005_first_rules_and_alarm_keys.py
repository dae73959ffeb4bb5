"""Version 1 of the clinical rules holds the built-in defaults, so that every clinical alarm can
name the version it was computed with; the open ensemble alarms raised before keys existed get
the key the ensemble now gives the same finding (target, model version, metric)."""

from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("alarms", "RuleConfiguration").objects.get_or_create(
        version=1, defaults={"note": "built-in defaults"}
    )
    Alarm = apps.get_model("alarms", "Alarm")
    for alarm in Alarm.objects.filter(kind="unreliable", key="", cleared_at__isnull=True):
        evidence = alarm.evidence
        alarm.key = (
            f"unreliable:{evidence.get('target')}:{evidence.get('model_version_id')}:"
            f"{evidence.get('metric')}"
        )
        alarm.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("alarms", "0004_rules_verdicts_frozen_thresholds")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
