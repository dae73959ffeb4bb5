import uuid

from django.db import migrations, models


def one_sending_per_row(apps, schema_editor):
    """Results sent before sendings were grouped were each a SEG sent on its own."""
    SentResult = apps.get_model("pacs", "SentResult")
    for row in SentResult.objects.all():
        row.sending = uuid.uuid4()
        row.save(update_fields=["sending"])


class Migration(migrations.Migration):
    dependencies = [("pacs", "0002_results_sent_back")]

    operations = [
        migrations.RenameField("sentresult", "sop_instance_uid", "series_instance_uid"),
        migrations.AddField(
            "sentresult", "sending", models.UUIDField(db_index=True, default=uuid.uuid4)
        ),
        migrations.RunPython(one_sending_per_row, migrations.RunPython.noop),
        migrations.AlterField("sentresult", "sending", models.UUIDField(db_index=True)),
        migrations.AddField(
            "sentresult",
            "description",
            models.CharField(default="DICOM SEG", max_length=128),
            preserve_default=False,
        ),
        migrations.AddField(
            "sentresult",
            "instances",
            models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AlterField(
            "sentresult",
            "kind",
            models.CharField(
                choices=[
                    ("seg", "DICOM SEG"),
                    ("sr", "Structured report"),
                    ("overlay", "Overlay images"),
                    ("report", "Report"),
                ],
                max_length=8,
            ),
        ),
        migrations.AlterModelOptions("sentresult", {"ordering": ["-sent_at", "pk"]}),
    ]
