"""Unique pairs the scoring rules rely on: one assignment per expert and application, one expert entry per
round, one score row per criterion of a review."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T09:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique scoring pairs"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS assignment_application_expert_unique ON assignment (application, expert)",
    "CREATE UNIQUE INDEX IF NOT EXISTS round_expert_unique ON round_expert (round, expert)",
    "CREATE UNIQUE INDEX IF NOT EXISTS review_score_unique ON review_score (review, criterion_key)",
    "CREATE UNIQUE INDEX IF NOT EXISTS criterion_round_key_unique ON criterion (round, key)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scoring", description=DESCRIPTION)

    async def add_unique_indexes():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(add_unique_indexes)
    return manager
