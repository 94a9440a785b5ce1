"""Indexes for a round's list of applications, so its cost does not grow with the other rounds' applications:
the queue's default order (submission time, then id) within a round, and the counts by status."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "round list indexes"

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS application_round_submitted_at ON application (round, submitted_at, id)",
    "CREATE INDEX IF NOT EXISTS application_round_status ON application (round, status)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="applications", description=DESCRIPTION)

    async def add_indexes():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(add_indexes)
    return manager
