"""Reader studies: studies, their versions, cases, readers, readings and reading sessions; a
survey response may answer about a reading (a third subject).

SQLite changes a constraint of studies_surveyresponse by rebuilding the table, which drops the
table's own triggers and which the survey version triggers of 0002 (they read the responses)
would refuse: on SQLite those triggers are dropped first and all of 0002's are made again
after."""

import datetime
import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SURVEYS = importlib.import_module(
    "reviewer.studies.migrations.0002_sealed_versions_and_append_only_responses"
)


def drop_survey_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SURVEYS.SQLITE_BACKWARD:
            schema_editor.execute(statement)


def make_survey_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SURVEYS.SQLITE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_acquiredseries_dicom_instances"),
        ("studies", "0003_ease_survey"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_survey_triggers, make_survey_triggers),
        migrations.CreateModel(
            name="Reading",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "arm",
                    models.CharField(
                        choices=[
                            ("unaided", "Unaided (images only)"),
                            ("ai_aided", "AI-aided (images and AI output)"),
                        ],
                        max_length=16,
                    ),
                ),
                ("phase", models.PositiveSmallIntegerField()),
                ("position", models.PositiveIntegerField()),
            ],
            options={
                "ordering": ["version", "reader", "phase", "position"],
            },
        ),
        migrations.CreateModel(
            name="ReadingSession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField()),
                ("gaps", models.JSONField(default=list)),
                ("reading_seconds", models.FloatField()),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["finished_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Study",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=128, unique=True)),
                ("description", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name_plural": "studies",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="StudyCase",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("practice", models.BooleanField(default=False)),
            ],
            options={
                "ordering": ["version", "practice", "exam"],
            },
        ),
        migrations.CreateModel(
            name="StudyReader",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "first_arm",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("unaided", "Unaided (images only)"),
                            ("ai_aided", "AI-aided (images and AI output)"),
                        ],
                        max_length=16,
                    ),
                ),
            ],
            options={
                "ordering": ["version", "reader"],
            },
        ),
        migrations.CreateModel(
            name="StudyVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("note", models.TextField(blank=True)),
                (
                    "instructions",
                    models.TextField(
                        default="Read each case as you would in your clinical routine.\nDo not spend more time reading than you would in clinical routine.\nRead in a quiet environment where you will not be interrupted."
                    ),
                ),
                ("crossover", models.BooleanField(default=True)),
                ("washout", models.DurationField(default=datetime.timedelta(days=14))),
                ("seed", models.PositiveBigIntegerField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("locked_at", models.DateTimeField(blank=True, null=True)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["study", "-number"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="surveyresponse",
            name="studies_surveyresponse_one_subject",
        ),
        migrations.AddField(
            model_name="reading",
            name="reader",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="study_readings",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="surveyresponse",
            name="reading",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="survey_responses",
                to="studies.reading",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveyresponse",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("exam__isnull", True),
                        ("patient__isnull", False),
                        ("reading__isnull", True),
                    ),
                    models.Q(
                        ("exam__isnull", False),
                        ("patient__isnull", True),
                        ("reading__isnull", True),
                    ),
                    models.Q(
                        ("exam__isnull", True),
                        ("patient__isnull", True),
                        ("reading__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="studies_surveyresponse_one_subject",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveyresponse",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reading__isnull", False), ("supersedes__isnull", True)),
                fields=("survey", "respondent", "reading"),
                name="studies_surveyresponse_one_first_per_reading",
            ),
        ),
        migrations.AddField(
            model_name="readingsession",
            name="reading",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="session",
                to="studies.reading",
            ),
        ),
        migrations.AddField(
            model_name="study",
            name="created_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="studycase",
            name="exam",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="study_cases",
                to="cases.exam",
            ),
        ),
        migrations.AddField(
            model_name="reading",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="readings",
                to="studies.studycase",
            ),
        ),
        migrations.AddField(
            model_name="studyreader",
            name="reader",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="study_enrolments",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="studyversion",
            name="created_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="studyversion",
            name="study",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="versions",
                to="studies.study",
            ),
        ),
        migrations.AddField(
            model_name="studyversion",
            name="survey_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="study_versions",
                to="studies.surveyversion",
            ),
        ),
        migrations.AddField(
            model_name="studyreader",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="readers",
                to="studies.studyversion",
            ),
        ),
        migrations.AddField(
            model_name="studycase",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="cases",
                to="studies.studyversion",
            ),
        ),
        migrations.AddField(
            model_name="reading",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="readings",
                to="studies.studyversion",
            ),
        ),
        migrations.AddConstraint(
            model_name="readingsession",
            constraint=models.CheckConstraint(
                condition=models.Q(("finished_at__gte", models.F("started_at"))),
                name="studies_readingsession_finishes_after_start",
            ),
        ),
        migrations.AddConstraint(
            model_name="readingsession",
            constraint=models.CheckConstraint(
                condition=models.Q(("reading_seconds__gte", 0)),
                name="studies_readingsession_time_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="studyversion",
            constraint=models.UniqueConstraint(
                fields=("study", "number"), name="studies_studyversion_unique_number"
            ),
        ),
        migrations.AddConstraint(
            model_name="studyversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("washout__gte", datetime.timedelta(0))),
                name="studies_studyversion_washout_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="studyversion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ended_at__isnull", True), ("locked_at__isnull", False), _connector="OR"
                ),
                name="studies_studyversion_ends_once_started",
            ),
        ),
        migrations.AddConstraint(
            model_name="studyreader",
            constraint=models.UniqueConstraint(
                fields=("version", "reader"), name="studies_studyreader_once_per_version"
            ),
        ),
        migrations.AddConstraint(
            model_name="studyreader",
            constraint=models.CheckConstraint(
                condition=models.Q(("first_arm__in", ["", "unaided", "ai_aided"])),
                name="studies_studyreader_first_arm_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="studycase",
            constraint=models.UniqueConstraint(
                fields=("version", "exam"), name="studies_studycase_exam_once_per_version"
            ),
        ),
        migrations.AddConstraint(
            model_name="reading",
            constraint=models.UniqueConstraint(
                fields=("version", "reader", "case", "arm"), name="studies_reading_once_per_arm"
            ),
        ),
        migrations.AddConstraint(
            model_name="reading",
            constraint=models.UniqueConstraint(
                fields=("version", "reader", "phase", "position"),
                name="studies_reading_one_per_position",
            ),
        ),
        migrations.AddConstraint(
            model_name="reading",
            constraint=models.CheckConstraint(
                condition=models.Q(("phase__lte", 2)), name="studies_reading_phase_practice_1_or_2"
            ),
        ),
        migrations.AddConstraint(
            model_name="reading",
            constraint=models.CheckConstraint(
                condition=models.Q(("arm__in", ["unaided", "ai_aided"])),
                name="studies_reading_arm_valid",
            ),
        ),
        migrations.RunPython(make_survey_triggers, drop_survey_triggers),
    ]
