"""One application per hromada per round; one revision number per application."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T09:18:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique application per hromada and round"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS application_round_hromada_unique ON application (round, hromada)",
    "CREATE UNIQUE INDEX IF NOT EXISTS application_revision_unique ON application_revision (application, revision)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="applications", description=DESCRIPTION)

    async def add_unique_indexes():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(add_unique_indexes)
    return manager
