"""Assessments and lesion verdicts are append-only, enforced by the database: triggers refuse
every UPDATE and DELETE of their rows, on PostgreSQL and on SQLite (the demo's database)."""

from django.db import migrations

TABLES = ("grading_assessment", "grading_lesionverdict")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION grading_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _postgres_forward(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION grading_refuse_change();",
    ]


def _sqlite_forward(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;"
        for op in ("UPDATE", "DELETE")
    ]


def forward_statements(vendor: str, tables) -> list[str]:
    """The triggers that make `tables` append-only; later migrations reuse this for theirs."""
    if vendor == "postgresql":
        return [POSTGRES_FUNCTION] + [s for table in tables for s in _postgres_forward(table)]
    if vendor == "sqlite":
        return [s for table in tables for s in _sqlite_forward(table)]
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def backward_statements(vendor: str, tables) -> list[str]:
    """Drop the triggers of `tables` (the shared PostgreSQL function stays: 0002 owns it)."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in tables]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {t}_no_{op};" for t in tables for op in ("update", "delete")
        ]
    return []


def forward(apps, schema_editor):
    for statement in forward_statements(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = backward_statements(vendor, TABLES)
    if vendor == "postgresql":
        statements.append("DROP FUNCTION IF EXISTS grading_refuse_change();")
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("grading", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
