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


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [POSTGRES_FUNCTION]
        for table in TABLES:
            statements += _postgres_forward(table)
    elif vendor == "sqlite":
        statements = [s for table in TABLES for s in _sqlite_forward(table)]
    else:
        raise NotImplementedError(f"no append-only triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = []
    if vendor == "postgresql":
        statements = [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in TABLES]
        statements.append("DROP FUNCTION IF EXISTS grading_refuse_change();")
    elif vendor == "sqlite":
        statements = [
            f"DROP TRIGGER IF EXISTS {t}_no_{op};" for t in TABLES for op in ("update", "delete")
        ]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("grading", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
