"""GET /health: 200 when the database and the document storage both answer, 503 naming the one that does not."""

from __future__ import annotations

import shutil
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest

from app.asgi import create_app
from app.platform.storage import S3Storage
from tests.conftest import IS_POSTGRES, MotoServer, _admin, client_for

OK = {"status": "ok", "database": "ok", "storage": "ok"}


def s3_storage(endpoint: str, bucket: str) -> S3Storage:
    return S3Storage(
        bucket=bucket,
        endpoint_url=endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        connect_timeout=0.5,
        read_timeout=2,
    )


def new_bucket(endpoint: str) -> str:
    name = f"asc-health-{uuid.uuid4().hex[:16]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=name)
    return name


@asynccontextmanager
async def running(application):
    for hook in application.on_startup:
        await hook(application)
    try:
        async with client_for(application) as http:
            yield http
    finally:
        for hook in application.on_shutdown:
            await hook(application)


@pytest.fixture
def own_moto():
    server = MotoServer()
    server.start()
    yield server
    server.stop()


async def test_health_is_200_when_database_and_storage_answer(client):
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == OK


async def test_health_needs_no_sign_in_and_sets_no_session(client):
    response = await client.get("/health", headers={"authorization": "Bearer nonsense"})

    assert response.status_code == 200
    assert "set-cookie" not in response.headers


async def test_health_on_s3_is_200_and_becomes_503_naming_storage_when_the_server_stops(settings, own_moto):
    application = create_app(settings, storage=s3_storage(own_moto.endpoint, new_bucket(own_moto.endpoint)))
    async with running(application) as http:
        healthy = await http.get("/health")
        own_moto.stop()
        started = time.monotonic()
        down = await http.get("/health")
        elapsed = time.monotonic() - started

    assert healthy.status_code == 200
    assert healthy.json() == OK
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "database": "ok", "storage": "unavailable"}
    assert elapsed < 10


async def test_health_is_503_naming_storage_when_the_bucket_does_not_exist(settings, moto_server):
    application = create_app(settings, storage=s3_storage(moto_server.endpoint, f"asc-none-{uuid.uuid4().hex[:12]}"))
    async with running(application) as http:
        response = await http.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "storage": "unavailable"}


async def test_health_is_503_naming_storage_when_the_local_folder_cannot_be_written(settings, client):
    # The documents folder's place is taken by a file: the folder can be neither created nor written.
    shutil.rmtree(settings.documents_dir, ignore_errors=True)
    settings.documents_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.documents_dir.write_bytes(b"not a folder")

    response = await client.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "storage": "unavailable"}


async def test_health_is_503_naming_the_database_when_it_cannot_be_reached(settings, client):
    assert (await client.get("/health")).status_code == 200
    if IS_POSTGRES:
        # The database goes away under the running app: its pooled connections are cut.
        name = urlsplit(settings.database_url).path.lstrip("/")
        await _admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    else:
        # The database file is replaced by a folder, which SQLite cannot open.
        path = settings.sqlite_path
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        path.mkdir()

    started = time.monotonic()
    response = await client.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "storage": "ok"}
    assert time.monotonic() - started < 10
