"""SQLite rebuilds a table to change its constraints, and the rebuilt table has no triggers:
segmentation 0005 rebuilt segmentation_segmentation, so the trigger that refuses changing a
hashed reference label (0002) is made again on SQLite. PostgreSQL keeps triggers through
ALTER TABLE."""

from django.db import migrations

LABEL_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS datasets_label_no_update BEFORE UPDATE OF file, sha256 "
    "ON segmentation_segmentation "
    "WHEN EXISTS (SELECT 1 FROM datasets_datasetcase WHERE reference_id = OLD.id) "
    "BEGIN SELECT RAISE(ABORT, "
    "'segmentation_segmentation is hashed by a dataset version: UPDATE refused'); END;"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(LABEL_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0002_sealed_versions"),
        ("segmentation", "0005_composites_replaced_when_segmented_again"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
