"""A sealed dataset version never changes, enforced by the database on PostgreSQL and on SQLite
(the demo's database): its row, its cases, and the series files and reference labels its cases
hash can be neither updated nor deleted. A version is sealed in the transaction that makes it."""

from django.db import migrations

REFUSED = "restrict_violation"

POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION datasets_refuse_sealed_version() RETURNS trigger AS $$
BEGIN
    IF OLD.sealed_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
            MESSAGE = 'dataset version ' || OLD.id || ' is sealed: ' || TG_OP || ' refused';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER datasets_datasetversion_sealed BEFORE UPDATE OR DELETE "
    "ON datasets_datasetversion FOR EACH ROW EXECUTE FUNCTION datasets_refuse_sealed_version();",
    f"""
CREATE OR REPLACE FUNCTION datasets_refuse_case_change() RETURNS trigger AS $$
DECLARE version bigint;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
            MESSAGE = 'a dataset case never changes: UPDATE refused (make a new version)';
    END IF;
    IF TG_OP = 'INSERT' THEN version := NEW.version_id; ELSE version := OLD.version_id; END IF;
    IF EXISTS (SELECT 1 FROM datasets_datasetversion
               WHERE id = version AND sealed_at IS NOT NULL) THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
            MESSAGE = 'dataset version ' || version || ' is sealed: ' || TG_OP || ' of a case refused';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER datasets_datasetcase_sealed BEFORE INSERT OR UPDATE OR DELETE "
    "ON datasets_datasetcase FOR EACH ROW EXECUTE FUNCTION datasets_refuse_case_change();",
    f"""
CREATE OR REPLACE FUNCTION datasets_refuse_hashed_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.file IS NOT DISTINCT FROM OLD.file
       AND NEW.sha256 IS NOT DISTINCT FROM OLD.sha256 THEN
        RETURN NEW;
    END IF;
    IF (TG_TABLE_NAME = 'segmentation_segmentation' AND EXISTS (
            SELECT 1 FROM datasets_datasetcase WHERE reference_id = OLD.id))
       OR (TG_TABLE_NAME = 'cases_series' AND EXISTS (
            SELECT 1 FROM datasets_datasetcase WHERE exam_id = OLD.exam_id)) THEN
        RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
            MESSAGE = TG_TABLE_NAME || ' ' || OLD.id || ' is hashed by a dataset version: '
                      || TG_OP || ' refused';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER datasets_hashed_label BEFORE UPDATE OR DELETE ON segmentation_segmentation "
    "FOR EACH ROW EXECUTE FUNCTION datasets_refuse_hashed_change();",
    "CREATE TRIGGER datasets_hashed_series BEFORE UPDATE OR DELETE ON cases_series "
    "FOR EACH ROW EXECUTE FUNCTION datasets_refuse_hashed_change();",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS datasets_datasetversion_sealed ON datasets_datasetversion;",
    "DROP TRIGGER IF EXISTS datasets_datasetcase_sealed ON datasets_datasetcase;",
    "DROP TRIGGER IF EXISTS datasets_hashed_label ON segmentation_segmentation;",
    "DROP TRIGGER IF EXISTS datasets_hashed_series ON cases_series;",
    "DROP FUNCTION IF EXISTS datasets_refuse_sealed_version();",
    "DROP FUNCTION IF EXISTS datasets_refuse_case_change();",
    "DROP FUNCTION IF EXISTS datasets_refuse_hashed_change();",
]


def _sqlite(name: str, event: str, table: str, when: str, message: str) -> str:
    condition = f"WHEN {when} " if when else ""
    return (
        f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} {condition}"
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    )


SEALED = "EXISTS (SELECT 1 FROM datasets_datasetversion WHERE id = {0}.version_id AND sealed_at IS NOT NULL)"
SQLITE = [
    _sqlite("datasets_version_no_update", "UPDATE", "datasets_datasetversion",
            "OLD.sealed_at IS NOT NULL", "dataset version is sealed: UPDATE refused"),
    _sqlite("datasets_version_no_delete", "DELETE", "datasets_datasetversion",
            "OLD.sealed_at IS NOT NULL", "dataset version is sealed: DELETE refused"),
    _sqlite("datasets_case_no_update", "UPDATE", "datasets_datasetcase", "",
            "a dataset case never changes: UPDATE refused (make a new version)"),
    _sqlite("datasets_case_no_insert", "INSERT", "datasets_datasetcase", SEALED.format("NEW"),
            "dataset version is sealed: INSERT of a case refused"),
    _sqlite("datasets_case_no_delete", "DELETE", "datasets_datasetcase", SEALED.format("OLD"),
            "dataset version is sealed: DELETE of a case refused"),
    _sqlite("datasets_label_no_update", "UPDATE OF file, sha256", "segmentation_segmentation",
            "EXISTS (SELECT 1 FROM datasets_datasetcase WHERE reference_id = OLD.id)",
            "segmentation_segmentation is hashed by a dataset version: UPDATE refused"),
    _sqlite("datasets_series_no_update", "UPDATE OF file, sha256", "cases_series",
            "EXISTS (SELECT 1 FROM datasets_datasetcase WHERE exam_id = OLD.exam_id)",
            "cases_series is hashed by a dataset version: UPDATE refused"),
    _sqlite("datasets_series_no_delete", "DELETE", "cases_series",
            "EXISTS (SELECT 1 FROM datasets_datasetcase WHERE exam_id = OLD.exam_id)",
            "cases_series is hashed by a dataset version: DELETE refused"),
]  # fmt: skip
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {statement.split()[5]};" for statement in SQLITE
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"no sealed-version triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0001_reference_datasets"),
        ("cases", "0005_acquiredseries_dicom_instances"),
        ("segmentation", "0003_modelversion_kind_subtraction"),
    ]

    operations = [migrations.RunPython(forward, backward)]
