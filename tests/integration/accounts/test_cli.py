"""`asc users create`: the first administrator comes from the command line, password on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.accounts.tables import User
from app.platform.tables import AuditEntry
from tests.conftest import csrf_token, login

ROOT = Path(__file__).resolve().parents[3]
CLI_PASSWORD = "from-stdin-password-42"


def run_cli(settings, *args: str, stdin: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


async def test_users_create_reads_the_password_from_stdin_and_the_user_can_sign_in(settings, client):
    result = run_cli(
        settings,
        "users",
        "create",
        "--email",
        "First.Admin@Test.ASC",
        "--name",
        "Перша Адміністраторка",
        "--role",
        "admin",
        stdin=CLI_PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Created admin first.admin@test.asc" in result.stdout
    assert CLI_PASSWORD not in result.stdout + result.stderr

    response = await login(client, "first.admin@test.asc", CLI_PASSWORD)
    assert response.status_code == 303
    assert (await client.get("/admin/users")).status_code == 200
    entry = await AuditEntry.select().where(AuditEntry.action == "user.create").first()
    assert entry["actor"] == "system"


async def test_users_create_binds_an_applicant_to_a_hromada(settings, client):
    result = run_cli(
        settings,
        *("users", "create", "--email", "head@test.asc", "--name", "Голова", "--role", "applicant"),
        *("--hromada", "UA05020030000031457"),
        stdin=CLI_PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    token = await client.post("/api/v1/auth/token", json={"email": "head@test.asc", "password": CLI_PASSWORD})
    me = await client.get("/api/v1/me", headers={"authorization": f"Bearer {token.json()['token']}"})
    assert me.json()["hromada_code"] == "UA05020030000031457"


async def test_users_create_refuses_a_short_password_and_creates_nobody(settings, client):
    result = run_cli(
        settings,
        *("users", "create", "--email", "weak@test.asc", "--name", "Weak", "--role", "staff"),
        stdin="short\n",
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert not await User.exists().where(User.email == "weak@test.asc")
    form = await csrf_token(client)
    response = await client.post("/login", data={"email": "weak@test.asc", "password": "short", "_csrf_token": form})
    assert response.status_code == 400


async def test_users_create_refuses_a_duplicate_email(settings, client, users):
    result = run_cli(
        settings,
        *("users", "create", "--email", users["staff"]["email"], "--name", "Again", "--role", "staff"),
        stdin=CLI_PASSWORD + "\n",
    )
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert await User.count().where(User.email == users["staff"]["email"]) == 1
    # The existing account keeps its password.
    assert (await login(client, users["staff"]["email"], CLI_PASSWORD)).status_code == 400
