"""Alarm verdicts, the versions of the clinical rules and the frozen ensemble thresholds are
append-only, enforced by the database: triggers refuse every UPDATE and DELETE of their rows, on
PostgreSQL and on SQLite (the demo's database). The pattern of grading's migration 0002."""

from django.db import migrations

TABLES = (
    "alarms_alarmverdict",
    "alarms_ruleconfiguration",
    "alarms_thresholdset",
    "alarms_frozenthreshold",
)

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION alarms_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [POSTGRES_FUNCTION] + [
            statement
            for table in TABLES
            for statement in (
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION alarms_refuse_change();",
            )
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;"
            for table in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def forward(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in TABLES]
        statements.append("DROP FUNCTION IF EXISTS alarms_refuse_change();")
    else:
        statements = [
            f"DROP TRIGGER IF EXISTS {t}_no_{op};" for t in TABLES for op in ("update", "delete")
        ]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("alarms", "0005_first_rules_and_alarm_keys")]

    operations = [migrations.RunPython(forward, backward)]
