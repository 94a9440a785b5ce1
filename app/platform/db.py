"""The database engine: which one, how tables find it, how writes are made safe."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from piccolo.columns.combination import WhereRaw
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from app.platform.settings import Settings, load_settings

os.environ.setdefault("PICCOLO_CONF", "app.platform.piccolo_conf")

APP_MODULES = (
    "app.platform.piccolo_app",
    "app.registry.piccolo_app",
    "app.accounts.piccolo_app",
    "app.applications.piccolo_app",
    "app.scoring.piccolo_app",
    "app.procurement.piccolo_app",
)

_engine: Engine | None = None
_decode_json = msgspec.json.Decoder().decode


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached."""


def _faster_sqlite_converters() -> None:
    """Let SQLite hand back its integers itself, and read dates, times and booleans without a wrapper.

    Piccolo registers a converter for every column declared INTEGER (ids, foreign keys, amounts) that turns the
    value into text and then into ``int(Decimal(text))``, so that a float stored in an integer column reads as an
    int. Our integer columns hold only integers (the column's affinity stores '12' and 12.0 as 12), and that
    converter was most of the cost of reading rows: a 600-lot dashboard read took 3.3 ms instead of 2.1. The
    date, timestamp and boolean converters below give what Piccolo's give, without its per-value wrapper that
    checks the type of what sqlite3 always hands a converter (bytes). The registry of converters is the sqlite3
    module's, for the whole process.
    """
    sqlite3.converters.pop("INTEGER", None)
    sqlite3.register_converter("TIMESTAMPTZ", lambda value: datetime.fromisoformat(value.decode()).replace(tzinfo=UTC))
    sqlite3.register_converter("TIMESTAMP", lambda value: datetime.fromisoformat(value.decode()))
    sqlite3.register_converter("DATE", lambda value: date.fromisoformat(value.decode()))
    sqlite3.register_converter("BOOLEAN", lambda value: value == b"1")


_faster_sqlite_converters()


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with the queries outside a transaction run on a few long-lived connections.

    Piccolo opens a new connection, and a thread for it, for every query outside a transaction: at five to ten
    queries a page, that was most of a page's time. Once ``start_pool`` has run (at start-up), such queries run
    on a small pool of threads that each keep one connection open (autocommit, like Piccolo's), and a lookup by
    key (``KeyLookup``) on one more such connection of the event loop's own thread; ``close_pool`` closes them
    all. Transactions keep Piccolo's own connection. Every connection uses WAL's companion setting
    synchronous=NORMAL: a commit no longer waits for the disk (a power cut may lose the last commits, but never
    corrupts the database).
    """

    PRAGMAS = (
        "PRAGMA foreign_keys = 1",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA cache_size = -16000",
        "PRAGMA mmap_size = 268435456",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._executor: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []

    def start_pool(self, size: int) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="sqlite")

    def close_pool(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        while self._opened:
            self._opened.pop().close()
        self._local = threading.local()

    async def get_connection(self):
        connection = await super().get_connection()
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _thread_connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
            for pragma in self.PRAGMAS:
                connection.execute(pragma)
            self._local.connection = connection
            self._opened.append(connection)
        return connection

    def _execute(self, query: str, args: list[Any]) -> list[dict[str, Any]]:
        cursor = self._thread_connection().execute(query, args)
        try:
            rows = cursor.fetchall()
            if not rows:
                return []
            # One tuple of names for all rows: Piccolo's row factory reads the cursor's description for each row.
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in rows]
        finally:
            cursor.close()

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False):
        if getattr(querystring, "inline", False) and self._executor is not None and not self.current_transaction.get():
            # A lookup by key: SQLite answers it in microseconds, a tenth of what handing it to the reading
            # thread and back costs. It runs on the event loop's own connection (WAL: a reader never waits for
            # the writer).
            sql, args = querystring.compile_string(engine_type=self.engine_type)
            return self._execute(sql, list(args))
        return await super().run_querystring(querystring, in_pool=in_pool)

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if self._executor is None or (query_type == "insert" and self.get_version_sync() < 3.35):
            return await super()._run_in_new_connection(query, args, query_type, table)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._execute, query, list(args or []))


def engine_for(settings: Settings) -> Engine:
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # timeout: how long a writer waits for SQLite's single write lock before giving up.
    return PooledSQLiteEngine(path=str(path), timeout=30)


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
    _engine = engine
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
    """Per-process start-up: WAL and the reading connections for SQLite, the connection pool for PostgreSQL."""
    if isinstance(db, SQLiteEngine):
        await db.run_querystring(QueryString("PRAGMA journal_mode=WAL"))
        if isinstance(db, PooledSQLiteEngine):
            # One reading thread per process. The sqlite3 module converts every value of a row in Python, under
            # the GIL: with four threads, sixteen concurrent requests for a 600-lot dashboard spent three times
            # the CPU of one thread (the threads and the event loop handing the GIL back and forth).
            db.start_pool(1)
    elif isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=pool_max, reset=release_without_reset_query)


async def release_without_reset_query(connection: Any) -> None:
    """What the pool does to a connection it takes back, besides what asyncpg always does (end a transaction left
    open, drop listeners): nothing.

    Piccolo takes a connection from the pool for every query outside a transaction, and asyncpg's default reset
    sends one more statement at each release (``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL``): a second round trip for every query of every page. The app leaves nothing for it to undo: it takes no
    advisory lock, opens no cursor outside a transaction, listens to no channel and sets no session setting.
    """


async def close_engine(db: Engine) -> None:
    if isinstance(db, PooledSQLiteEngine):
        db.close_pool()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()


async def ping() -> None:
    db = engine()
    if isinstance(db, PooledSQLiteEngine):
        # A connection of its own: an open pooled one would still answer if the file were gone.
        await SQLiteEngine._run_in_new_connection(db, "SELECT 1")
        return
    await db.run_querystring(QueryString("SELECT 1"))


async def migrate() -> None:
    """Apply every pending migration of every app, in dependency order."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"Migrations failed: {result.message}")


def json_column(value: Any) -> Any:
    """The value of a JSON column as read: text on SQLite (and from a prepared select), already decoded by
    some PostgreSQL paths. msgspec decodes it several times faster than ``json.loads``; text it refuses that
    ``json.loads`` accepts (NaN) still reads as before."""
    if not isinstance(value, str):
        return value
    try:
        return _decode_json(value)
    except msgspec.DecodeError:
        return json.loads(value)


def ids_in(column: Any, ids: Any) -> WhereRaw:
    """``column IN ids`` with the whole list as one parameter. Piccolo's ``is_in`` converts every value and gives
    it a placeholder of its own: for the hundreds of lots of a programme that took longer than the query.
    ``ids``: a list of ids, or a ``Param`` of a prepared select given ``ids_value(list)``."""
    name = f'"{column._meta.table._meta.tablename}"."{column._meta.db_column_name}"'
    value = ids if isinstance(ids, Param) else ids_value(ids)
    if is_sqlite():
        return WhereRaw(f"{name} IN (SELECT value FROM json_each({{}}))", value)
    return WhereRaw(f"{name} = ANY({{}}::bigint[])", value)


def ids_value(ids: Any) -> Any:
    """A list of ids as the one value of ``ids_in``: JSON text for SQLite, an array for PostgreSQL."""
    cleaned = [int(i) for i in ids]
    return json.dumps(cleaned) if is_sqlite() else cleaned


# --- Prepared selects ------------------------------------------------------------------------------------------


class Param:
    """Where a value goes in a prepared select: ``Param(0)`` is the first value given to ``rows()``."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class KeyLookup(QueryString):
    """A query that reads a few rows by key (a user by id, an application's documents). On SQLite it runs on the
    event loop's thread rather than the reading thread: see ``PooledSQLiteEngine.run_querystring``. Elsewhere
    it is an ordinary query."""

    inline = True


class _CompiledQuery(QueryString):
    """SQL already compiled for this engine, with its values: handed to ``run_querystring`` like any other."""

    def __init__(self, sql: str, args: list[Any], query_type: str, table: Any, inline: bool = False) -> None:
        super().__init__("", query_type=query_type, table=table)
        self._sql, self._args = sql, args
        self.inline = inline

    def compile_string(self, engine_type: str = "postgres") -> tuple[str, list[Any]]:
        return self._sql, self._args

    def __str__(self) -> str:
        return self._sql


class PreparedSelect:
    """A Piccolo select built and compiled once per engine kind, then run with new values.

    Building a select costs Piccolo far more than the database takes to answer a simple one: every join path
    (``Application.hromada.oblast.code``) copies columns, and compiling walks them again, about a millisecond
    for a select with three joins. The reads that every page view makes (the application, its round, its
    documents, an expert's queue) are built once here with ``Param`` placeholders:

        BY_ID = PreparedSelect(lambda id_: Application.select(...).where(Application.id == id_), params=1)
        rows = await BY_ID.rows(42)

    The rows are what the select itself would return (dicts; JSON columns as text). Runs inside the current
    transaction if there is one, like any query. ``key_lookup=True`` marks a select that reads a few rows by key
    (see ``KeyLookup``); a list, a count or a scan keeps the default.
    """

    def __init__(self, build: Any, *, params: int, key_lookup: bool = False) -> None:
        self._build = build
        self._params = params
        self._key_lookup = key_lookup
        self._compiled: dict[str, tuple[str, list[Any], str, Any]] = {}

    def _compile(self, engine_type: str) -> tuple[str, list[Any], str, Any]:
        compiled = self._compiled.get(engine_type)
        if compiled is None:
            (querystring,) = self._build(*(Param(i) for i in range(self._params))).querystrings
            sql, args = querystring.compile_string(engine_type=engine_type)
            compiled = (sql, args, querystring.query_type, querystring.table)
            self._compiled[engine_type] = compiled
        return compiled

    async def rows(self, *values: Any) -> list[dict[str, Any]]:
        if len(values) != self._params:
            raise TypeError(f"this select takes {self._params} values, not {len(values)}")
        db = engine()
        sql, template, query_type, table = self._compile(db.engine_type)
        args = [values[arg.index] if isinstance(arg, Param) else arg for arg in template]
        results = await db.run_querystring(_CompiledQuery(sql, args, query_type, table, self._key_lookup))
        return db.transform_response_to_dicts(results) if results else []

    async def first(self, *values: Any) -> dict[str, Any] | None:
        rows = await self.rows(*values)
        return rows[0] if rows else None
