"""The database's part of the gate, on PostgreSQL and on SQLite (the demo's database):
deployments are append-only, and a model version goes live (its deployed_at set or changed)
only with a deployment row of that version at that very time, which only
reviewer.validation.deployment writes, after the gate."""

from django.db import migrations

REFUSED = "restrict_violation"
NOT_LIVE = (
    "model version goes live only through the gate: no deployment of it at that time "
    "(reviewer.validation.deployment)"
)
LIVE_WITH_DEPLOYMENT = (
    "EXISTS (SELECT 1 FROM validation_deployment WHERE model_version_id = NEW.id "
    "AND created_at = NEW.deployed_at AND action IN ('install', 'deploy', 'rollback'))"
)

POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION validation_refuse_deployment_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
        MESSAGE = 'a deployment is a record: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER validation_deployment_append_only BEFORE UPDATE OR DELETE "
    "ON validation_deployment FOR EACH ROW EXECUTE FUNCTION validation_refuse_deployment_change();",
    f"""
CREATE OR REPLACE FUNCTION validation_live_only_through_gate() RETURNS trigger AS $$
BEGIN
    IF NEW.deployed_at IS NOT NULL
       AND (TG_OP = 'INSERT' OR OLD.deployed_at IS DISTINCT FROM NEW.deployed_at)
       AND NOT {LIVE_WITH_DEPLOYMENT} THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
            MESSAGE = '{NOT_LIVE}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER validation_live_only_through_gate BEFORE INSERT OR UPDATE "
    "ON segmentation_modelversion FOR EACH ROW "
    "EXECUTE FUNCTION validation_live_only_through_gate();",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS validation_deployment_append_only ON validation_deployment;",
    "DROP TRIGGER IF EXISTS validation_live_only_through_gate ON segmentation_modelversion;",
    "DROP FUNCTION IF EXISTS validation_refuse_deployment_change();",
    "DROP FUNCTION IF EXISTS validation_live_only_through_gate();",
]


def _sqlite(name: str, event: str, table: str, when: str, message: str) -> str:
    condition = f"WHEN {when} " if when else ""
    return (
        f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} {condition}"
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    )


SQLITE = [
    _sqlite("validation_deployment_no_update", "UPDATE", "validation_deployment", "",
            "a deployment is a record: UPDATE refused"),
    _sqlite("validation_deployment_no_delete", "DELETE", "validation_deployment", "",
            "a deployment is a record: DELETE refused"),
    _sqlite("validation_live_insert", "INSERT", "segmentation_modelversion",
            "NEW.deployed_at IS NOT NULL", NOT_LIVE),
    _sqlite("validation_live_update", "UPDATE OF deployed_at", "segmentation_modelversion",
            "NEW.deployed_at IS NOT NULL AND OLD.deployed_at IS NOT NEW.deployed_at "
            f"AND NOT {LIVE_WITH_DEPLOYMENT}", NOT_LIVE),
]  # fmt: skip
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {statement.split()[5]};" for statement in SQLITE]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"no deployment triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("validation", "0001_validation_runs_and_deployments"),
        ("segmentation", "0004_modelversion_live_and_compatibility"),
    ]

    operations = [migrations.RunPython(forward, backward)]
