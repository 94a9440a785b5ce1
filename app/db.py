"""The database engine: which one, how tables find it, how writes are made safe."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from app.settings import Settings, load_settings

os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")

APP_MODULES = (
    "app.piccolo_app",
    "app.registry.piccolo_app",
    "app.accounts.piccolo_app",
    "app.applications.piccolo_app",
    "app.scoring.piccolo_app",
    "app.procurement.piccolo_app",
)

_engine: Engine | None = None


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached."""


def engine_for(settings: Settings) -> Engine:
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # timeout: how long a writer waits for SQLite's single write lock before giving up.
    return SQLiteEngine(path=str(path), timeout=30)


def initial_engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = engine_for(load_settings())
    return _engine


def all_tables() -> list:
    from piccolo.conf.apps import Finder

    return Finder().get_table_classes()


def use_engine(engine: Engine) -> Engine:
    """Point Piccolo (its conf module and every table) at ``engine``."""
    global _engine
    import app.piccolo_conf as conf

    _engine = engine
    conf.DB = engine
    for table in all_tables():
        table._meta.db = engine
    from piccolo.apps.migrations.tables import Migration

    Migration._meta.db = engine
    return engine


def engine() -> Engine:
    return initial_engine()


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """One transaction for one state change.

    SQLite allows one writer: an IMMEDIATE transaction takes the write lock at the start, so two
    writers queue instead of failing half-way. PostgreSQL uses an ordinary transaction; code that
    reads-then-writes a contested row locks it with ``lock_rows()``.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        transaction = db.transaction(transaction_type=TransactionType.immediate)
    else:
        transaction = db.transaction()
    async with transaction:
        yield


def for_update(query, table):
    """Lock ``table``'s selected rows until the transaction ends (PostgreSQL); SQLite's write lock already
    serialises writers. ``table`` names which table of a joined query to lock."""
    return query if is_sqlite() else query.lock_rows(of=(table,))


async def prepare_engine(db: Engine, *, pool_max: int = 10) -> None:
    """Per-process start-up: WAL for SQLite, the connection pool for PostgreSQL."""
    if isinstance(db, SQLiteEngine):
        await db.run_querystring(QueryString("PRAGMA journal_mode=WAL"))
    elif isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=pool_max)


async def close_engine(db: Engine) -> None:
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()


async def ping() -> None:
    await engine().run_querystring(QueryString("SELECT 1"))


async def migrate() -> None:
    """Apply every pending migration of every app, in dependency order."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"Migrations failed: {result.message}")
