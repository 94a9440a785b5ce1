"""The S3 storage adapter against moto's S3 server over HTTP, alone and inside the running app.

Fault tests start their own moto server: stopping the shared one would break every other test.
"""

from __future__ import annotations

import re
import time
import uuid
from contextlib import asynccontextmanager
from urllib.parse import quote, unquote

import boto3
import pytest

from app.asgi import create_app
from app.platform.storage import ObjectMissing, S3Storage, StorageUnavailable
from app.platform.tables import AuditEntry, StoredDocument
from tests.conftest import MotoServer, api_token, client_for

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) + b"\n%%EOF\n"
UKRAINIAN_NAME = "Рішення ради №5 (копія).pdf"
KEY_PATTERN = re.compile(r"^documents/\d{4}/\d{2}/[0-9a-f]{32}\.pdf$")


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def new_bucket(endpoint: str) -> str:
    name = f"asc-test-{uuid.uuid4().hex[:16]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def s3_storage(endpoint: str, bucket: str) -> S3Storage:
    # Small timeouts: a stopped server must be reported within seconds, not after boto3's defaults.
    return S3Storage(
        bucket=bucket,
        endpoint_url=endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        connect_timeout=0.5,
        read_timeout=2,
    )


@asynccontextmanager
async def running(application):
    for hook in application.on_startup:
        await hook(application)
    try:
        async with client_for(application) as http:
            http.headers["accept-language"] = "en"  # messages are checked in English
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


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def upload(http, token: str, filename: str = UKRAINIAN_NAME, data: bytes = PDF):
    return await http.post(
        "/api/v1/documents",
        files={"file": (filename, data, "application/pdf")},
        data={"kind": "council_decision"},
        headers=bearer(token),
    )


# The adapter on its own


async def test_s3_storage_round_trips_put_get_delete_and_check(moto_server):
    bucket = new_bucket(moto_server.endpoint)
    storage = s3_storage(moto_server.endpoint, bucket)
    await storage.check()

    await storage.put("documents/2019/06/abc.pdf", PDF, "application/pdf")

    assert await storage.get("documents/2019/06/abc.pdf") == PDF
    head = s3_client(moto_server.endpoint).head_object(Bucket=bucket, Key="documents/2019/06/abc.pdf")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentLength"] == len(PDF)

    await storage.delete("documents/2019/06/abc.pdf")
    with pytest.raises(ObjectMissing):
        await storage.get("documents/2019/06/abc.pdf")


async def test_s3_storage_reports_a_missing_key_as_object_missing(moto_server):
    storage = s3_storage(moto_server.endpoint, new_bucket(moto_server.endpoint))
    with pytest.raises(ObjectMissing):
        await storage.get("documents/2019/06/never-stored.pdf")


async def test_s3_storage_check_reports_a_missing_bucket_as_unavailable(moto_server):
    storage = s3_storage(moto_server.endpoint, f"asc-missing-{uuid.uuid4().hex[:12]}")
    with pytest.raises(StorageUnavailable):
        await storage.check()


async def test_s3_storage_with_server_stopped_raises_storage_unavailable_quickly(own_moto):
    bucket = new_bucket(own_moto.endpoint)
    storage = s3_storage(own_moto.endpoint, bucket)
    await storage.put("documents/2019/06/kept.pdf", PDF, "application/pdf")
    own_moto.stop()

    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        await storage.put("documents/2019/06/new.pdf", PDF, "application/pdf")
    with pytest.raises(StorageUnavailable):
        await storage.get("documents/2019/06/kept.pdf")
    with pytest.raises(StorageUnavailable):
        await storage.check()
    assert time.monotonic() - started < 10


# The adapter inside the app


async def test_app_on_s3_accepts_an_upload_and_serves_it_back_byte_identical(settings, users, moto_server):
    bucket = new_bucket(moto_server.endpoint)
    application = create_app(settings, storage=s3_storage(moto_server.endpoint, bucket))
    async with running(application) as http:
        token = await api_token(http, users["leader"]["email"])
        created = await upload(http, token)
        assert created.status_code == 201, created.text
        document = created.json()
        assert document["original_filename"] == UKRAINIAN_NAME
        assert document["content_type"] == "application/pdf"
        assert document["size_bytes"] == len(PDF)

        content = await http.get(f"/api/v1/documents/{document['id']}/content", headers=bearer(token))

    assert content.status_code == 200
    assert content.content == PDF
    assert content.headers["content-type"].startswith("application/pdf")
    disposition = content.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(UKRAINIAN_NAME)}" in disposition
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == UKRAINIAN_NAME
    # The bytes are in the bucket under the key the server chose, not under the user's filename.
    objects = s3_client(moto_server.endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])
    assert len(objects) == 1
    assert KEY_PATTERN.match(objects[0]["Key"])
    stored = s3_client(moto_server.endpoint).get_object(Bucket=bucket, Key=objects[0]["Key"])["Body"].read()
    assert stored == PDF


# Storage failures through HTTP


async def test_upload_with_storage_down_answers_503_and_keeps_no_record(settings, users, own_moto):
    application = create_app(settings, storage=s3_storage(own_moto.endpoint, new_bucket(own_moto.endpoint)))
    async with running(application) as http:
        token = await api_token(http, users["leader"]["email"])
        assert await StoredDocument.count() == 0
        own_moto.stop()

        started = time.monotonic()
        refused = await upload(http, token)
        assert time.monotonic() - started < 10

        assert refused.status_code == 503, refused.text
        assert "storage is unavailable" in refused.json()["detail"]
        assert "Nothing was saved" in refused.json()["detail"]
        assert await StoredDocument.count() == 0
        assert await AuditEntry.count().where(AuditEntry.action == "document.upload") == 0

        # The same server comes back on the same port (empty, as a fresh moto is): the retry succeeds.
        own_moto.start()
        s3_client(own_moto.endpoint).create_bucket(Bucket=application.state.storage.bucket)
        retried = await upload(http, token)
        assert retried.status_code == 201, retried.text
        assert await StoredDocument.count() == 1
        assert await AuditEntry.count().where(AuditEntry.action == "document.upload") == 1
        content = await http.get(f"/api/v1/documents/{retried.json()['id']}/content", headers=bearer(token))
        assert content.status_code == 200
        assert content.content == PDF


async def test_download_with_storage_down_answers_503_with_a_message(settings, users, own_moto):
    application = create_app(settings, storage=s3_storage(own_moto.endpoint, new_bucket(own_moto.endpoint)))
    async with running(application) as http:
        token = await api_token(http, users["leader"]["email"])
        created = await upload(http, token)
        assert created.status_code == 201, created.text
        own_moto.stop()

        content = await http.get(f"/api/v1/documents/{created.json()['id']}/content", headers=bearer(token))
        record = await http.get(f"/api/v1/documents/{created.json()['id']}", headers=bearer(token))

    assert content.status_code == 503
    assert "storage is unavailable" in content.json()["detail"]
    # The record itself lives in the database and stays readable.
    assert record.status_code == 200
    assert record.json()["original_filename"] == UKRAINIAN_NAME
