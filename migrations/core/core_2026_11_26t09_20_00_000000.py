"""The audit log is append-only: the database itself refuses UPDATE and DELETE on audit_entry."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-11-26T09:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit log is append-only"

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    """
    CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """,
]
SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_entry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_entry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """,
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def make_append_only():
        engine = engine_finder()
        for statement in POSTGRES if isinstance(engine, PostgresEngine) else SQLITE:
            await engine.run_ddl(statement)

    manager.add_raw(make_append_only)
    return manager
