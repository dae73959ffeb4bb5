"""The steward's releases for research export, append-only: triggers refuse every UPDATE and
DELETE on PostgreSQL and SQLite (grading's append-only statements; a revocation is a new row)."""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


append_only = import_module("reviewer.grading.migrations.0002_append_only")
TABLES = ("exports_exportrelease",)


def forward(apps, schema_editor):
    for statement in append_only.forward_statements(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    for statement in append_only.backward_statements(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0005_acquiredseries_dicom_instances'),
        ('datasets', '0004_case_strata'),
        ('grading', '0002_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ExportRelease',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('release', 'Released'), ('revoke', 'Revoked')], max_length=8)),
                ('note', models.TextField(blank=True)),
                ('decided_at', models.DateTimeField(auto_now_add=True)),
                ('dataset_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='datasets.datasetversion')),
                ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('patient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.patient')),
                ('researcher', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='export_releases', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-decided_at', '-pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('dataset_version__isnull', True), ('patient__isnull', False)), models.Q(('dataset_version__isnull', False), ('patient__isnull', True)), _connector='OR'), name='exports_release_one_subject'), models.CheckConstraint(condition=models.Q(('action__in', ['release', 'revoke'])), name='exports_release_action_valid')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
