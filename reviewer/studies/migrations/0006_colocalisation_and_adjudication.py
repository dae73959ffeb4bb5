"""Colocalisation and adjudication of reader studies (S-13, S-14), and what the database refuses of
them, on PostgreSQL and on SQLite (the demo's database):
- revisions, lesions, their marks, retirements, adjudicators and labels are append-only: every
  UPDATE and DELETE is refused (a change of the grouping is a new revision, a correction of a
  label a new label that supersedes it);
- a lesion is of a study case of its own version, made by a revision of that version;
- a label is given only by a designated adjudicator of the lesion's version, once the version is
  started, to a lesion not retired, and corrects only that adjudicator's label of that lesion.

A later migration that alters these tables on SQLite must make their triggers again too."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REFUSED = "restrict_violation"
APPEND_ONLY = [
    "studies_colocalisationrevision",
    "studies_studylesion",
    "studies_studylesionmark",
    "studies_retiredlesion",
    "studies_adjudicator",
    "studies_adjudicationlabel",
]
LESION_OF_ITS_VERSION = (
    "EXISTS (SELECT 1 FROM studies_studycase WHERE id = NEW.case_id "
    "AND version_id = NEW.version_id AND NOT practice) "
    "AND EXISTS (SELECT 1 FROM studies_colocalisationrevision WHERE id = NEW.revision_id "
    "AND version_id = NEW.version_id)"
)
LABEL_ALLOWED = (
    "EXISTS (SELECT 1 FROM studies_studylesion JOIN studies_studyversion "
    "ON studies_studyversion.id = studies_studylesion.version_id "
    "JOIN studies_adjudicator ON studies_adjudicator.version_id = studies_studyversion.id "
    "WHERE studies_studylesion.id = NEW.lesion_id AND studies_adjudicator.user_id = "
    "NEW.adjudicator_id AND studies_studyversion.locked_at IS NOT NULL) "
    "AND NOT EXISTS (SELECT 1 FROM studies_retiredlesion WHERE lesion_id = NEW.lesion_id) "
    "AND (NEW.supersedes_id IS NULL OR EXISTS (SELECT 1 FROM studies_adjudicationlabel "
    "WHERE id = NEW.supersedes_id AND lesion_id = NEW.lesion_id "
    "AND adjudicator_id = NEW.adjudicator_id))"
)
LESION_REFUSED = "a lesion is of a study case of its version, made by a revision of it"
LABEL_REFUSED = (
    "a label is by a designated adjudicator of a started version, of a lesion not retired, "
    "correcting only their own label of it"
)

POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION studies_refuse_adjudication_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
""",
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION studies_refuse_adjudication_change();"
        for table in APPEND_ONLY
    ),
    f"""
CREATE OR REPLACE FUNCTION studies_refuse_stray_lesion() RETURNS trigger AS $$
BEGIN
    IF NOT ({LESION_OF_ITS_VERSION}) THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}', MESSAGE = '{LESION_REFUSED}: INSERT refused';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER studies_studylesion_of_its_version BEFORE INSERT ON studies_studylesion "
    "FOR EACH ROW EXECUTE FUNCTION studies_refuse_stray_lesion();",
    f"""
CREATE OR REPLACE FUNCTION studies_refuse_stray_label() RETURNS trigger AS $$
BEGIN
    IF NOT ({LABEL_ALLOWED}) THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}', MESSAGE = '{LABEL_REFUSED}: INSERT refused';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER studies_adjudicationlabel_allowed BEFORE INSERT ON studies_adjudicationlabel "
    "FOR EACH ROW EXECUTE FUNCTION studies_refuse_stray_label();",
]

POSTGRES_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in APPEND_ONLY),
    "DROP TRIGGER IF EXISTS studies_studylesion_of_its_version ON studies_studylesion;",
    "DROP TRIGGER IF EXISTS studies_adjudicationlabel_allowed ON studies_adjudicationlabel;",
    "DROP FUNCTION IF EXISTS studies_refuse_adjudication_change();",
    "DROP FUNCTION IF EXISTS studies_refuse_stray_lesion();",
    "DROP FUNCTION IF EXISTS studies_refuse_stray_label();",
]

_sqlite = importlib.import_module(
    "reviewer.studies.migrations.0002_sealed_versions_and_append_only_responses"
)._sqlite
SQLITE = [
    *(
        _sqlite(f"{table}_no_{event.lower()}", event, table, "",
                f"{table} is append-only: {event} refused")
        for table in APPEND_ONLY
        for event in ("UPDATE", "DELETE")
    ),
    _sqlite("studies_studylesion_of_its_version", "INSERT", "studies_studylesion",
            f"NOT ({LESION_OF_ITS_VERSION})", f"{LESION_REFUSED}: INSERT refused"),
    _sqlite("studies_adjudicationlabel_allowed", "INSERT", "studies_adjudicationlabel",
            f"NOT ({LABEL_ALLOWED})", f"{LABEL_REFUSED}: INSERT refused"),
]  # fmt: skip
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {statement.split()[5]};" for statement in SQLITE]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"no adjudication triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0005_locked_study_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ColocalisationRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("automatic", "Automatic colocalisation"),
                            ("merge", "Merge by hand"),
                            ("split", "Split by hand"),
                        ],
                        max_length=16,
                    ),
                ),
                ("tolerance_mm", models.FloatField(blank=True, null=True)),
                ("made_at", models.DateTimeField(auto_now_add=True)),
                (
                    "made_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="colocalisation_revisions",
                        to="studies.studyversion",
                    ),
                ),
            ],
            options={
                "ordering": ["version", "number"],
            },
        ),
        migrations.CreateModel(
            name="StudyLesion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("x_mm", models.FloatField()),
                ("y_mm", models.FloatField()),
                ("z_mm", models.FloatField()),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lesions",
                        to="studies.studycase",
                    ),
                ),
                (
                    "revision",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lesions",
                        to="studies.colocalisationrevision",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lesions",
                        to="studies.studyversion",
                    ),
                ),
            ],
            options={
                "ordering": ["case", "pk"],
            },
        ),
        migrations.CreateModel(
            name="RetiredLesion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "revision",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="retired",
                        to="studies.colocalisationrevision",
                    ),
                ),
                (
                    "lesion",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="retirement",
                        to="studies.studylesion",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AdjudicationLabel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "value",
                    models.CharField(
                        choices=[("tp", "True positive"), ("fp", "False positive")], max_length=2
                    ),
                ),
                ("labelled_at", models.DateTimeField(auto_now_add=True)),
                (
                    "adjudicator",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="adjudication_labels",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "supersedes",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="superseded_by",
                        to="studies.adjudicationlabel",
                    ),
                ),
                (
                    "lesion",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="labels",
                        to="studies.studylesion",
                    ),
                ),
            ],
            options={
                "ordering": ["lesion", "labelled_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="StudyLesionMark",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("index", models.PositiveIntegerField()),
                ("x_mm", models.FloatField()),
                ("y_mm", models.FloatField()),
                ("z_mm", models.FloatField()),
                ("label", models.CharField(blank=True, max_length=128)),
                (
                    "lesion",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="marks",
                        to="studies.studylesion",
                    ),
                ),
                (
                    "reading",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="studies.reading",
                    ),
                ),
                (
                    "response",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="studies.surveyresponse",
                    ),
                ),
            ],
            options={
                "ordering": ["lesion", "reading", "index"],
            },
        ),
        migrations.CreateModel(
            name="Adjudicator",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("designated_at", models.DateTimeField(auto_now_add=True)),
                (
                    "designated_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="adjudications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="adjudicators",
                        to="studies.studyversion",
                    ),
                ),
            ],
            options={
                "ordering": ["version", "user"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("version", "user"), name="studies_adjudicator_once_per_version"
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="colocalisationrevision",
            constraint=models.UniqueConstraint(
                fields=("version", "number"), name="studies_colocalisationrevision_unique_number"
            ),
        ),
        migrations.AddConstraint(
            model_name="colocalisationrevision",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["automatic", "merge", "split"])),
                name="studies_colocalisationrevision_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="colocalisationrevision",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "automatic"), ("tolerance_mm__gt", 0)),
                    models.Q(
                        models.Q(("kind", "automatic"), _negated=True),
                        ("tolerance_mm__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="studies_colocalisationrevision_tolerance_of_runs",
            ),
        ),
        migrations.AddConstraint(
            model_name="adjudicationlabel",
            constraint=models.CheckConstraint(
                condition=models.Q(("value__in", ["tp", "fp"])),
                name="studies_adjudicationlabel_value_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="adjudicationlabel",
            constraint=models.UniqueConstraint(
                condition=models.Q(("supersedes__isnull", True)),
                fields=("lesion", "adjudicator"),
                name="studies_adjudicationlabel_one_first",
            ),
        ),
        migrations.AddConstraint(
            model_name="studylesionmark",
            constraint=models.UniqueConstraint(
                fields=("lesion", "response", "index"), name="studies_studylesionmark_once"
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
