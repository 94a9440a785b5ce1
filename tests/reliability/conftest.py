"""Helpers for the reliability tests: the app as a real server in its own process, and fast set-up.

Set-up goes through the services over the same database as the server (quicker than HTTP, and the
behaviour under test is what the server does with the requests that follow).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.accounts.services.tokens import create_token
from app.accounts.services.users import CurrentUser, create_user, load_user
from app.applications.services import rounds
from app.platform import audit
from app.platform.settings import Settings
from app.registry.tables import Hromada
from tests.conftest import PASSWORD, SECRET, free_port, wait_for_port

BIN = Path(sys.executable).parent
SIMPLE_RULES = {"rule": "population_min", "value": 0}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept-language": "en"}


class LiveServer:
    """``asc serve`` in a subprocess on a free loopback port: requests really overlap, as in production."""

    def __init__(self, settings: Settings, log_path: Path, **env: str) -> None:
        self.settings = settings
        self.port = free_port()
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        env = {
            **os.environ,
            "APP_ENV": "test",
            "DATA_DIR": str(self.settings.data_dir),
            "DATABASE_URL": self.settings.database_url,
            "SECRET_KEY": SECRET,
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "1024",
            **self.env,
        }
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(BIN / "asc"), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not become healthy; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            self.process = None
            self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def live_server(settings, tmp_path):
    """Start with ``live_server()`` once the set-up is written; stopped at the end of the test."""
    servers: list[LiveServer] = []

    def start(**env: str) -> LiveServer:
        server = LiveServer(settings, tmp_path / f"server-{len(servers)}.log", **env).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


async def hromada_codes(n: int, offset: int = 0) -> list[str]:
    rows = await Hromada.select(Hromada.code).order_by(Hromada.code).offset(offset).limit(n)
    assert len(rows) == n, f"the registry holds fewer than {n + offset} hromadas"
    return [row["code"] for row in rows]


async def make_user(email: str, role: str, hromada_code: str | None = None) -> tuple[CurrentUser, str]:
    """A user and a bearer token for them, straight through the services (no login round trip)."""
    created = await create_user(
        email=email,
        name=email.split("@")[0],
        role=role,
        password=PASSWORD,
        hromada_code=hromada_code,
        actor=audit.SYSTEM,
    )
    user = await load_user(created["id"])
    assert user is not None
    token = await create_token(user=user, name="reliability", actor=audit.SYSTEM)
    return user, token["token"]


async def bulk_leaders(n: int, *, offset: int = 0) -> list[dict[str, Any]]:
    """``n`` hromada leaders (one per hromada) with bearer tokens, inserted in bulk: the set-up of a load test
    in well under a second. Each row is what create_user and create_token would write."""
    import hashlib
    import secrets

    from app.accounts.services.passwords import hash_password
    from app.accounts.services.tokens import TOKEN_PREFIX
    from app.accounts.tables import ApiToken, User

    hromadas = await Hromada.select(Hromada.id, Hromada.code).order_by(Hromada.code).offset(offset).limit(n)
    assert len(hromadas) == n
    password_hash = hash_password(PASSWORD)
    users = [
        User(
            email=f"leader-{h['code'].lower()}@load.asc",
            name=f"Leader {h['code']}",
            role="applicant",
            hromada=h["id"],
            password_hash=password_hash,
        )
        for h in hromadas
    ]
    await User.insert(*users)
    rows = await User.select(User.id, User.hromada).where(User.email.is_in([u.email for u in users]))
    by_hromada = {row["hromada"]: row["id"] for row in rows}
    leaders, tokens = [], []
    for hromada in hromadas:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        user_id = by_hromada[hromada["id"]]
        tokens.append(
            ApiToken(
                user=user_id, name="load", token_hash=hashlib.sha256(token.encode()).hexdigest(), prefix=token[:12]
            )
        )
        leaders.append(
            {"user_id": user_id, "hromada_id": hromada["id"], "hromada_code": hromada["code"], "token": token}
        )
    await ApiToken.insert(*tokens)
    return leaders


async def make_round(*, deadline_in: float = 3600, questions: Any = None, document_kinds: Any = None, **extra) -> int:
    """An open round with simple rules; by default the standard questions and no documents."""
    from datetime import UTC, datetime, timedelta

    await rounds.ensure_programme(code="ulead", name_uk="U-LEAD з Європою", name_en="U-LEAD with Europe")
    data = {
        "programme_code": "ulead",
        "title_uk": "Раунд надійності",
        "title_en": "Reliability round",
        "deadline": datetime.now(UTC) + timedelta(seconds=deadline_in),
        "rules": SIMPLE_RULES,
        "quota": 2,
        "budget_minor": 0,
        **extra,
    }
    if questions is not None:
        data["questions"] = questions
    data["document_kinds"] = [] if document_kinds is None else document_kinds
    round_ = await rounds.create_round(data=data, actor=audit.SYSTEM)
    await rounds.transition_round(round_id=round_["id"], to="open", actor=audit.SYSTEM)
    return round_["id"]


@pytest.fixture(autouse=True)
def quiet_http_log():
    """httpx logs every request at INFO: thousands of lines in a load test's captured log."""
    import logging

    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)
