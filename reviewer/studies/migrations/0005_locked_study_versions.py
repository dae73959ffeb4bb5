"""What the database refuses of reader studies, on PostgreSQL and on SQLite (the demo's
database):
- a started (locked) study version never changes and is never deleted, except that a running
  version may end once (ended_at set, nothing else);
- the cases, readers and readings of a locked version are neither inserted, updated nor
  deleted: the seeded order stored at the start is the order for good;
- a reading session is append-only, and is recorded only for a reading of a running version.

A later migration that alters these tables on SQLite must make their triggers again too (and add any
new column of studies_studyversion to SAME_BUT_ENDED)."""

import importlib

from django.db import migrations

REFUSED = "restrict_violation"
CHILDREN = ["studies_studycase", "studies_studyreader", "studies_reading"]
LOCKED = "EXISTS (SELECT 1 FROM studies_studyversion WHERE id = {0} AND locked_at IS NOT NULL)"
RUNNING = (
    "EXISTS (SELECT 1 FROM studies_reading JOIN studies_studyversion "
    "ON studies_studyversion.id = studies_reading.version_id "
    "WHERE studies_reading.id = NEW.reading_id "
    "AND locked_at IS NOT NULL AND ended_at IS NULL)"
)

POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION studies_refuse_locked_version() RETURNS trigger AS $$
BEGIN
    IF OLD.locked_at IS NOT NULL THEN
        IF TG_OP = 'UPDATE' AND OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL
           AND to_jsonb(NEW) - 'ended_at' = to_jsonb(OLD) - 'ended_at' THEN
            RETURN NEW;  -- a running version ends: the one change of a locked version
        END IF;
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
            MESSAGE = 'study version ' || OLD.id || ' is locked: ' || TG_OP
                      || ' refused (make a new version)';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER studies_studyversion_locked BEFORE UPDATE OR DELETE "
    "ON studies_studyversion FOR EACH ROW EXECUTE FUNCTION studies_refuse_locked_version();",
    f"""
CREATE OR REPLACE FUNCTION studies_refuse_locked_design() RETURNS trigger AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND {LOCKED.format("OLD.version_id")})
       OR (TG_OP <> 'DELETE' AND {LOCKED.format("NEW.version_id")}) THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
            MESSAGE = TG_TABLE_NAME || ': the study version is locked: ' || TG_OP
                      || ' refused (make a new version)';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    *(
        f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION studies_refuse_locked_design();"
        for table in CHILDREN
    ),
    f"""
CREATE OR REPLACE FUNCTION studies_refuse_session_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT {RUNNING} THEN
            RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                MESSAGE = 'a reading session is of a running study version: INSERT refused';
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
        MESSAGE = 'studies_readingsession is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER studies_readingsession_append_only BEFORE INSERT OR UPDATE OR DELETE "
    "ON studies_readingsession FOR EACH ROW EXECUTE FUNCTION studies_refuse_session_change();",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS studies_studyversion_locked ON studies_studyversion;",
    *(f"DROP TRIGGER IF EXISTS {table}_locked ON {table};" for table in CHILDREN),
    "DROP TRIGGER IF EXISTS studies_readingsession_append_only ON studies_readingsession;",
    "DROP FUNCTION IF EXISTS studies_refuse_locked_version();",
    "DROP FUNCTION IF EXISTS studies_refuse_locked_design();",
    "DROP FUNCTION IF EXISTS studies_refuse_session_change();",
]

SURVEYS = importlib.import_module(
    "reviewer.studies.migrations.0002_sealed_versions_and_append_only_responses"
)
_sqlite = SURVEYS._sqlite
SAME_BUT_ENDED = " AND ".join(
    f"NEW.{column} IS OLD.{column}"
    for column in [
        "id", "study_id", "number", "note", "instructions", "crossover", "washout", "seed",
        "survey_version_id", "created_by_id", "created_at", "locked_at",
    ]
)  # fmt: skip
ENDS = f"OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL AND {SAME_BUT_ENDED}"
LOCKED_MESSAGE = "the study version is locked: {0} refused (make a new version)"
SQLITE = [
    _sqlite("studies_studyversion_no_update", "UPDATE", "studies_studyversion",
            f"OLD.locked_at IS NOT NULL AND NOT ({ENDS})", LOCKED_MESSAGE.format("UPDATE")),
    _sqlite("studies_studyversion_no_delete", "DELETE", "studies_studyversion",
            "OLD.locked_at IS NOT NULL", LOCKED_MESSAGE.format("DELETE")),
    *(
        _sqlite(f"{table}_no_{event.lower()}", event, table, when,
                f"{table}: " + LOCKED_MESSAGE.format(event))
        for table in CHILDREN
        for event, when in [
            ("INSERT", LOCKED.format("NEW.version_id")),
            ("UPDATE", f"{LOCKED.format('OLD.version_id')} OR {LOCKED.format('NEW.version_id')}"),
            ("DELETE", LOCKED.format("OLD.version_id")),
        ]
    ),
    _sqlite("studies_readingsession_no_update", "UPDATE", "studies_readingsession", "",
            "studies_readingsession is append-only: UPDATE refused"),
    _sqlite("studies_readingsession_no_delete", "DELETE", "studies_readingsession", "",
            "studies_readingsession is append-only: DELETE refused"),
    _sqlite("studies_readingsession_running", "INSERT", "studies_readingsession",
            f"NOT {RUNNING}",
            "a reading session is of a running study version: INSERT refused"),
]  # fmt: skip
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {statement.split()[5]};" for statement in SQLITE]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"no reader study triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("studies", "0004_reader_studies")]

    operations = [migrations.RunPython(forward, backward)]
