"""No page costs more queries because the database holds more: every key page and API call runs the same
number of SQL queries at 10 and at 1,000 applications per round (no N+1), and the ranking is computed in a
fixed, small number of queries.

Two databases are seeded with bench/seed.py (a decided round with winners' projects and a round under review,
three submitted reviews per application); each endpoint of bench/run.py is requested once on each, counting
the statements that reach the engine (``run_querystring`` and ``run_ddl``: every Piccolo query passes there).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import httpx
import pytest
from argon2 import PasswordHasher

from app.accounts.services.tokens import create_token
from app.accounts.services.users import load_user
from app.accounts.tables import User
from app.asgi import create_app
from app.platform import audit
from app.platform.db import close_engine, engine, engine_for, prepare_engine, use_engine
from app.scoring import services as scoring
from bench.run import ENDPOINTS, find_ids
from bench.seed import PASSWORD, STAFF_EMAIL, Scale, build, expert_email
from tests.conftest import BASE_DATABASE_URL, IS_POSTGRES, _admin, _with_database, make_settings

SIZES = (10, 1000)  # applications per round
RANKING_QUERIES = 4  # config, criteria, applications with their reviews and moderation, per-criterion means


class QueryCounter:
    """Every statement sent through the engine while active (patched on the engine's class)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @contextmanager
    def counting(self) -> Iterator[QueryCounter]:
        cls = type(engine())
        run_querystring, run_ddl = cls.run_querystring, cls.run_ddl

        async def counted_querystring(db, querystring, *args, **kwargs):
            self.statements.append(str(querystring))
            return await run_querystring(db, querystring, *args, **kwargs)

        async def counted_ddl(db, ddl, *args, **kwargs):
            self.statements.append(ddl)
            return await run_ddl(db, ddl, *args, **kwargs)

        with (
            mock.patch.object(cls, "run_querystring", counted_querystring),
            mock.patch.object(cls, "run_ddl", counted_ddl),
        ):
            self.statements = []
            yield self


async def _measure(database_url: str, data_dir: Path, size: int) -> dict[str, dict]:
    """Seed, then request every endpoint once and count its queries; also count the ranking's queries."""
    settings = make_settings(database_url, data_dir)
    db = use_engine(engine_for(settings))
    await prepare_engine(db)
    try:
        # The tests' cheap argon2 cost (the app verifies no password here: sessions and tokens are made directly).
        cheap = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
        # A decided round (a fifth of the size: its winners' projects) and the round under review, of ``size``.
        scale = Scale(f"test-{size}", (max(2, size // 5), size), experts=6, winners=150)
        await build(scale, password_hash=cheap)
    finally:
        await close_engine(db)

    app = create_app(settings)
    for hook in app.on_startup:
        await hook(app)
    results: dict[str, dict] = {}
    try:
        ids = await find_ids()
        identities = {}
        for key, email in (("staff", STAFF_EMAIL), ("expert", expert_email(1))):
            user = await load_user((await User.select(User.id).where(User.email == email).first())["id"])
            session = await app.state.sessions.start(user.id)
            token = (await create_token(user=user, name="query counts", actor=audit.SYSTEM))["token"]
            identities[key] = ({"cookie": f"asc_session={session}"}, {"authorization": f"Bearer {token}"})
        counter = QueryCounter()
        transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for endpoint in ENDPOINTS:
                cookie, bearer = identities[endpoint.user]
                headers = dict(bearer if endpoint.api else cookie)
                body = endpoint.body.format(**ids).encode() or None
                if body:
                    headers["content-type"] = "application/json"
                path = endpoint.path.format(**ids)
                with counter.counting():
                    response = await client.request(endpoint.method, path, headers=headers, content=body)
                results[endpoint.name] = {
                    "path": path,
                    "status": response.status_code,
                    "queries": len(counter.statements),
                    "statements": counter.statements,
                }
        with counter.counting():
            ranked = await scoring.ranking(ids["round"])
        results["ranking-service"] = {
            "path": f"ranking({ids['round']})",
            "status": 200,
            "queries": len(counter.statements),
            "statements": counter.statements,
            "rows": len(ranked["rows"]),
            "reviews": sum(r["reviews_submitted"] for r in ranked["rows"]),
        }
    finally:
        for hook in app.on_shutdown:
            await hook(app)
    return results


@pytest.fixture(scope="module")
def measured(template_database: str, tmp_path_factory) -> dict[int, dict[str, dict]]:
    results = {}
    for size in SIZES:
        root = tmp_path_factory.mktemp(f"queries-{size}")
        if IS_POSTGRES:
            template = urlsplit(template_database).path.lstrip("/")
            name = f"{template.replace('_tpl_', '_q_')}_{size}"
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            try:
                results[size] = asyncio.run(_measure(_with_database(BASE_DATABASE_URL, name), root / "data", size))
            finally:
                asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            target = root / "db.sqlite3"
            shutil.copyfile(Path(template_database.removeprefix("sqlite:///")), target)
            results[size] = asyncio.run(_measure(f"sqlite:///{target}", root / "data", size))
    return results


def _shown(result: dict) -> str:
    return "\n".join(f"    {statement[:160]}" for statement in result["statements"])


@pytest.mark.parametrize("name", [endpoint.name for endpoint in ENDPOINTS])
def test_a_page_runs_as_many_queries_at_1000_applications_as_at_10(measured, name):
    small, large = (measured[size][name] for size in SIZES)
    if small["status"] == 404 and large["status"] == 404:
        pytest.skip(f"{small['path']} is not built yet")
    assert small["status"] == 200, f"{small['path']} answered {small['status']}"
    assert large["status"] == 200, f"{large['path']} answered {large['status']}"
    assert large["queries"] > 0, "no query was counted: the counter no longer sees the engine's queries"
    assert small["queries"] == large["queries"], (
        f"{name}: {small['queries']} queries at {SIZES[0]} applications per round, {large['queries']} at {SIZES[1]}"
        f"\n  at {SIZES[0]}:\n{_shown(small)}\n  at {SIZES[1]}:\n{_shown(large)}"
    )


def test_the_ranking_of_every_application_and_its_three_reviews_takes_a_fixed_number_of_queries(measured):
    small, large = (measured[size]["ranking-service"] for size in SIZES)
    assert (small["rows"], large["rows"]) == SIZES
    assert large["reviews"] == 3 * SIZES[1]
    assert small["queries"] == large["queries"] <= RANKING_QUERIES, _shown(large)
