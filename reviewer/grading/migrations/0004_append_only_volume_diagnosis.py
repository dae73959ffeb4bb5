"""The volume diagnosis, its second opinion and its consensus are append-only like assessments:
the same triggers refuse every UPDATE and DELETE of their rows."""

from importlib import import_module

from django.db import migrations

append_only = import_module("reviewer.grading.migrations.0002_append_only")

TABLES = ("grading_volumediagnosis", "grading_secondopinion", "grading_consensus")


def forward(apps, schema_editor):
    for statement in append_only.forward_statements(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    for statement in append_only.backward_statements(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("grading", "0003_review_fields_and_volume_diagnosis")]

    operations = [migrations.RunPython(forward, backward)]
