"""`asc backup` of a populated database and its documents, `asc restore` into an empty one: every row and
every document comes back."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from app.platform.db import all_tables
from tests.conftest import IS_POSTGRES, PASSWORD, _admin, _with_database, api_token, make_settings

ROOT = Path(__file__).resolve().parents[3]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def asc(settings, *args):
    env = {**os.environ, "DATA_DIR": str(settings.data_dir), "SECRET_KEY": settings.secret_key, "APP_ENV": "test"}
    env.pop("DATABASE_URL", None)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, text=True, cwd=ROOT)


async def row_counts() -> dict[str, int]:
    return {table._meta.tablename: await table.count() for table in all_tables()}


async def test_backup_and_restore_bring_back_every_row_and_document(app, client, users, settings, tmp_path):
    token = await api_token(client, users["leader"]["email"])
    upload = await client.post(
        "/api/v1/documents",
        files={"file": ("рішення.pdf", PDF, "application/pdf")},
        headers={"authorization": f"Bearer {token}"},
    )
    assert upload.status_code == 201, upload.text
    before = await row_counts()
    assert before["app_user"] == 5 and before["hromada"] == 1469 and before["stored_document"] == 1

    backup_dir = tmp_path / "backup"
    made = await asyncio.to_thread(asc, settings, "backup", str(backup_dir))
    assert made.returncode == 0, made.stderr
    refused = await asyncio.to_thread(asc, settings, "backup", str(backup_dir))
    assert refused.returncode == 2 and "not empty" in refused.stderr

    if IS_POSTGRES:
        name = urlsplit(settings.database_url).path.lstrip("/") + "_restored"
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(f'CREATE DATABASE "{name}"')
        target = make_settings(_with_database(settings.database_url, name), tmp_path / "restored")
    else:
        target = make_settings(f"sqlite:///{tmp_path / 'restored' / 'asc.sqlite3'}", tmp_path / "restored")
    try:
        restored = await asyncio.to_thread(asc, target, "restore", str(backup_dir))
        assert restored.returncode == 0, restored.stderr
        from app.asgi import create_app
        from app.platform.db import use_engine

        restored_app = create_app(target)
        for hook in restored_app.on_startup:
            await hook(restored_app)
        try:
            assert await row_counts() == before
            from tests.conftest import client_for

            async with client_for(restored_app) as restored_client:
                token = await api_token(restored_client, users["leader"]["email"], PASSWORD)
                document = await restored_client.get(
                    f"/api/v1/documents/{upload.json()['id']}/content", headers={"authorization": f"Bearer {token}"}
                )
                assert document.status_code == 200 and document.content == PDF
        finally:
            for hook in restored_app.on_shutdown:
                await hook(restored_app)
            # Point the tables back at the test's own database for the fixtures' teardown.
            use_engine(app.state.engine)
    finally:
        if IS_POSTGRES:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_refuses_a_folder_that_is_not_a_backup(settings, tmp_path):
    result = asc(settings, "restore", str(tmp_path))
    assert result.returncode == 2 and "not a backup" in result.stderr
