"""Sessions in Redis: several app processes behind one proxy share their logins."""

from __future__ import annotations

import asyncio
import os
import socket
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest

from app.accounts.services.users import create_user
from app.asgi import create_app
from app.platform import audit
from app.platform.sessions import SESSION_COOKIE
from tests.conftest import PASSWORD, client_for, csrf_token, login, make_settings
from tests.integration.accounts.conftest import signed_in_as

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL}")


@asynccontextmanager
async def running(settings):
    application = create_app(settings)
    for hook in application.on_startup:
        await hook(application)
    try:
        yield application
    finally:
        for hook in application.on_shutdown:
            await hook(application)
        await application.state.sessions.store.__aexit__(None, None, None)  # closes its Redis client


async def test_two_app_instances_on_one_redis_share_a_login_and_its_logout(database_url, tmp_path):
    # Separate data folders: nothing is shared on disk, only the database and Redis.
    first_settings = make_settings(database_url, tmp_path / "one", REDIS_URL=REDIS_URL)
    second_settings = make_settings(database_url, tmp_path / "two", REDIS_URL=REDIS_URL)
    async with running(first_settings) as first, running(second_settings) as second:
        await create_user(
            email="leader@test.asc",
            name="Leader",
            role="applicant",
            password=PASSWORD,
            hromada_code="UA05020030000031457",
            actor=audit.SYSTEM,
        )
        async with client_for(first) as via_first, client_for(second) as via_second:
            assert (await login(via_first, "leader@test.asc")).status_code == 303
            session_id = via_first.cookies[SESSION_COOKIE]
            assert not (tmp_path / "one" / "sessions").exists() or not any((tmp_path / "one" / "sessions").iterdir())

            # The browser's next request lands on the other process: still signed in.
            assert await signed_in_as(via_second, cookie=session_id) == "Leader"
            page = await via_second.get("/account/tokens", headers={"cookie": f"{SESSION_COOKIE}={session_id}"})
            assert page.status_code == 200

            # Signing out on one process ends the session on both.
            token = await csrf_token(via_first, "/")
            assert (await via_first.post("/logout", data={"_csrf_token": token})).status_code == 303
            assert await signed_in_as(via_second, cookie=session_id) is None
            assert await signed_in_as(via_first, cookie=session_id) is None


async def test_a_session_in_redis_is_renewed_by_use_and_expires_when_idle(database_url, tmp_path):
    from redis.asyncio import Redis

    settings = make_settings(database_url, tmp_path / "one", REDIS_URL=REDIS_URL, SESSION_IDLE_MINUTES="7")
    async with running(settings) as application, Redis.from_url(REDIS_URL) as redis:
        await create_user(email="staff@test.asc", name="Staff", role="staff", password=PASSWORD, actor=audit.SYSTEM)
        async with client_for(application) as http:
            await login(http, "staff@test.asc")
            key = f"asc:session:{http.cookies[SESSION_COOKIE]}"
            assert 7 * 60 - 5 <= await redis.ttl(key) <= 7 * 60
            # Time passes (the key's clock runs down in Redis); a request renews it to the full idle period.
            await redis.expire(key, 30)
            assert await signed_in_as(http) == "Staff"
            assert await redis.ttl(key) > 7 * 60 - 5
            # Idle to the end: Redis drops the key, and the cookie no longer signs anybody in.
            await redis.pexpire(key, 1)
            await asyncio.sleep(0.05)
            assert await signed_in_as(http) is None
            assert await redis.exists(key) == 0
