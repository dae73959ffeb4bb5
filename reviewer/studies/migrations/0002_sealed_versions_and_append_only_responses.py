"""What the database refuses, on PostgreSQL and on SQLite (the demo's database):
- a survey version that is published or answered never changes and is never deleted (a change
  is a new version);
- a response is append-only: every UPDATE and DELETE is refused (a correction is a new response
  that supersedes it);
- a response answers a published version of its own survey.

SQLite drops a table's triggers when a migration rebuilds the table: a later migration that
alters these tables must make their SQLite triggers again (as datasets 0003 does)."""

from django.db import migrations

REFUSED = "restrict_violation"
ANSWERED = "EXISTS (SELECT 1 FROM studies_surveyresponse WHERE version_id = OLD.id)"
ANSWERABLE = (
    "EXISTS (SELECT 1 FROM studies_surveyversion WHERE id = NEW.version_id "
    "AND survey_id = NEW.survey_id AND published_at IS NOT NULL)"
)

POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION studies_refuse_sealed_version() RETURNS trigger AS $$
BEGIN
    IF OLD.published_at IS NOT NULL OR {ANSWERED} THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
            MESSAGE = 'survey version ' || OLD.id || ' is published or answered: '
                      || TG_OP || ' refused (make a new version)';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER studies_surveyversion_sealed BEFORE UPDATE OR DELETE "
    "ON studies_surveyversion FOR EACH ROW EXECUTE FUNCTION studies_refuse_sealed_version();",
    f"""
CREATE OR REPLACE FUNCTION studies_refuse_response_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT {ANSWERABLE} THEN
            RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                MESSAGE = 'a response answers a published version of its survey: INSERT refused';
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
        MESSAGE = 'studies_surveyresponse is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER studies_surveyresponse_append_only BEFORE INSERT OR UPDATE OR DELETE "
    "ON studies_surveyresponse FOR EACH ROW EXECUTE FUNCTION studies_refuse_response_change();",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS studies_surveyversion_sealed ON studies_surveyversion;",
    "DROP TRIGGER IF EXISTS studies_surveyresponse_append_only ON studies_surveyresponse;",
    "DROP FUNCTION IF EXISTS studies_refuse_sealed_version();",
    "DROP FUNCTION IF EXISTS studies_refuse_response_change();",
]


def _sqlite(name: str, event: str, table: str, when: str, message: str) -> str:
    condition = f"WHEN {when} " if when else ""
    return (
        f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} {condition}"
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    )


SEALED = f"OLD.published_at IS NOT NULL OR {ANSWERED}"
SQLITE = [
    _sqlite("studies_version_no_update", "UPDATE", "studies_surveyversion", SEALED,
            "survey version is published or answered: UPDATE refused (make a new version)"),
    _sqlite("studies_version_no_delete", "DELETE", "studies_surveyversion", SEALED,
            "survey version is published or answered: DELETE refused"),
    _sqlite("studies_response_no_update", "UPDATE", "studies_surveyresponse", "",
            "studies_surveyresponse is append-only: UPDATE refused"),
    _sqlite("studies_response_no_delete", "DELETE", "studies_surveyresponse", "",
            "studies_surveyresponse is append-only: DELETE refused"),
    _sqlite("studies_response_answerable", "INSERT", "studies_surveyresponse",
            f"NOT {ANSWERABLE}",
            "a response answers a published version of its survey: INSERT refused"),
]  # fmt: skip
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {statement.split()[5]};" for statement in SQLITE]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"no survey triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("studies", "0001_surveys")]

    operations = [migrations.RunPython(forward, backward)]
