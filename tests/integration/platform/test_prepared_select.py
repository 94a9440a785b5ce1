"""PreparedSelect and ids_in (app/platform/db.py) on the real engine, SQLite or PostgreSQL: the same rows as the ORM
select they are built from, new values on every run, the current transaction's view, and one parameter for a
list of ids."""

from __future__ import annotations

import threading

import pytest

from app.platform.db import PooledSQLiteEngine, PreparedSelect, engine, ids_in, ids_value, is_sqlite, write_transaction
from app.registry.tables import Hromada, Oblast


def _hromadas_of_oblast(oblast_code):
    return (
        Hromada.select(
            Hromada.id,
            Hromada.code,
            Hromada.population,
            Hromada.oblast.code.as_alias("oblast_code"),
            Hromada.oblast.name_en.as_alias("oblast_name_en"),
        )
        .where((Hromada.oblast.code == oblast_code) & (Hromada.type != "no such type"))
        .order_by(Hromada.id)
    )


async def test_a_prepared_select_gives_the_rows_of_its_orm_select_for_each_new_value(app):
    prepared = PreparedSelect(_hromadas_of_oblast, params=1)
    oblasts = [row["code"] for row in await Oblast.select(Oblast.code).order_by(Oblast.code).limit(3)]
    assert len(oblasts) == 3
    for code in oblasts:
        rows = await prepared.rows(code)
        assert rows and rows == await _hromadas_of_oblast(code)
        assert {row["oblast_code"] for row in rows} == {code}
    assert await prepared.rows("UA00000000000000000") == []
    assert await prepared.first("UA00000000000000000") is None
    with pytest.raises(TypeError):
        await prepared.rows()


async def test_a_prepared_select_sees_the_current_transaction(app):
    prepared = PreparedSelect(lambda code: Hromada.select(Hromada.population).where(Hromada.code == code), params=1)
    code = (await Hromada.select(Hromada.code).order_by(Hromada.id).first())["code"]
    before = (await prepared.first(code))["population"]
    try:
        async with write_transaction():
            await Hromada.update({Hromada.population: before + 7}).where(Hromada.code == code)
            assert (await prepared.first(code))["population"] == before + 7
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert (await prepared.first(code))["population"] == before


async def test_ids_in_takes_a_list_as_one_parameter_prepared_or_not(app):
    ids = [row["id"] for row in await Hromada.select(Hromada.id).order_by(Hromada.id).limit(250)]
    chosen = ids[::3]
    direct = await Hromada.select(Hromada.id).where(ids_in(Hromada.id, chosen)).order_by(Hromada.id)
    assert [row["id"] for row in direct] == chosen
    prepared = PreparedSelect(
        lambda wanted: Hromada.select(Hromada.id).where(ids_in(Hromada.id, wanted)).order_by(Hromada.id), params=1
    )
    assert [row["id"] for row in await prepared.rows(ids_value(chosen))] == chosen
    assert [row["id"] for row in await prepared.rows(ids_value(ids[:2]))] == ids[:2]
    assert await prepared.rows(ids_value([])) == []


@pytest.mark.parametrize("key_lookup", [False, True])
async def test_a_key_lookup_sees_the_current_transaction_and_the_latest_commit(app, key_lookup):
    """On SQLite a key lookup runs on the event loop's own connection, outside a transaction: it must still see
    what the transaction wrote while inside it, and every commit once outside."""
    prepared = PreparedSelect(
        lambda code: Hromada.select(Hromada.population).where(Hromada.code == code), params=1, key_lookup=key_lookup
    )
    code = (await Hromada.select(Hromada.code).order_by(Hromada.id).first())["code"]
    before = (await prepared.first(code))["population"]
    try:
        async with write_transaction():
            await Hromada.update({Hromada.population: before + 3}).where(Hromada.code == code)
            assert (await prepared.first(code))["population"] == before + 3
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert (await prepared.first(code))["population"] == before
    async with write_transaction():
        await Hromada.update({Hromada.population: before + 5}).where(Hromada.code == code)
    assert (await prepared.first(code))["population"] == before + 5
    assert (await Hromada.select(Hromada.population).where(Hromada.code == code).first())["population"] == before + 5


async def test_a_key_lookup_on_sqlite_does_not_go_through_the_reading_thread(app):
    db = engine()
    if not isinstance(db, PooledSQLiteEngine):
        pytest.skip("the reading thread is SQLite's")
    prepared = PreparedSelect(
        lambda id_: Hromada.select(Hromada.code).where(Hromada.id == id_), params=1, key_lookup=True
    )
    listed = PreparedSelect(lambda id_: Hromada.select(Hromada.code).where(Hromada.id == id_), params=1)
    first = (await Hromada.select(Hromada.id).order_by(Hromada.id).first())["id"]
    threads: list[str] = []
    original = db._execute

    def recording(query, args):
        threads.append(threading.current_thread().name)
        return original(query, args)

    db._execute = recording
    try:
        assert (await prepared.first(first))["code"] == (await listed.first(first))["code"]
    finally:
        del db._execute
    assert threads[0] == threading.current_thread().name
    assert threads[1].startswith("sqlite")


async def test_a_pooled_postgresql_connection_goes_back_without_a_reset_query_and_with_its_transaction_ended(app):
    db = engine()
    if is_sqlite():
        pytest.skip("the connection pool is PostgreSQL's")
    sent: list[str] = []
    every = [await db.pool.acquire() for _ in range(db.pool.get_size())]  # all the pool's open connections
    for connection in every:
        connection.add_query_logger(lambda record: sent.append(record.query))  # kept across releases
    for connection in every:
        await db.pool.release(connection)

    code = (await Hromada.select(Hromada.code).order_by(Hromada.id).first())["code"]
    await Hromada.select(Hromada.id).where(Hromada.code == code)
    assert len(sent) == 2, sent  # the two selects, no "SELECT pg_advisory_unlock_all(); ... RESET ALL;" after each

    sent.clear()
    connection = await db.pool.acquire()
    await connection.execute("BEGIN")
    await db.pool.release(connection)
    assert sent == ["BEGIN", "ROLLBACK"]  # a transaction left open still ends when its connection goes back
    again = await db.pool.acquire()
    try:
        assert not again.is_in_transaction()
    finally:
        await db.pool.release(again)
