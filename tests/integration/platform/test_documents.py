"""Documents through HTTP: server-chosen keys, types judged by bytes, size limits, who may read, the audit log.

Messages are checked in English (Accept-Language for the API, the language cookie for pages), except where
the Ukrainian default is the point.
"""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from urllib.parse import quote

import pytest

from app.asgi import create_app
from app.platform.tables import AuditEntry, StoredDocument
from tests.conftest import api_token, client_for, login, make_settings

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + bytes(40)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
KEY_PATTERN = re.compile(r"^documents/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|png)$")


@pytest.fixture(autouse=True)
def english(client):
    speak_english(client)


def speak_english(http) -> None:
    http.headers["accept-language"] = "en"
    http.cookies.set("asc_lang", "en")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def upload(http, token: str | None, filename: str = "decision.pdf", data: bytes = PDF, kind: str = "decision"):
    return await http.post(
        "/api/v1/documents",
        files={"file": (filename, data, "application/pdf")},
        data={"kind": kind},
        headers=bearer(token) if token else {},
    )


@asynccontextmanager
async def running(settings):
    application = create_app(settings)
    for hook in application.on_startup:
        await hook(application)
    try:
        async with client_for(application) as http:
            yield http
    finally:
        for hook in application.on_shutdown:
            await hook(application)


async def stored_rows() -> list[dict]:
    return await StoredDocument.select().order_by(StoredDocument.id)


# Keys, types and sizes


async def test_stored_key_is_chosen_by_the_server_whatever_the_filename(client, users, settings, tmp_path):
    token = await api_token(client, users["leader"]["email"])

    first = await upload(client, token, filename="../../etc/passwd.pdf")
    second = await upload(client, token, filename="..\\..\\etc\\passwd.pdf")

    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    # The user's name is kept as data only, stripped of any folders.
    assert first.json()["original_filename"] == "passwd.pdf"
    assert second.json()["original_filename"] == "passwd.pdf"
    rows = await stored_rows()
    assert [row["id"] for row in rows] == [first.json()["id"], second.json()["id"]]
    keys = [row["key"] for row in rows]
    assert all(KEY_PATTERN.match(key) for key in keys), keys
    assert keys[0] != keys[1]
    for key in keys:
        assert (settings.documents_dir / key).read_bytes() == PDF
    # Nothing was written anywhere by the name the user sent.
    assert not any(path.name == "passwd.pdf" for path in tmp_path.rglob("*"))
    assert not (settings.data_dir.parent / "etc").exists()


async def test_type_is_judged_by_the_bytes_and_recorded_from_them(client, users):
    token = await api_token(client, users["leader"]["email"])

    response = await upload(client, token, filename="photo-of-premises.pdf", data=PNG)

    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "image/png"
    (row,) = await stored_rows()
    assert row["key"].endswith(".png")


async def test_executable_bytes_named_pdf_are_refused_as_an_unsupported_type_and_leave_nothing(client, users, settings):
    token = await api_token(client, users["leader"]["email"])

    response = await upload(client, token, filename="council-decision.pdf", data=EXE)

    assert response.status_code == 415
    body = response.json()
    assert body["detail"].startswith("This file type is not accepted. Upload one of: ")
    assert "pdf" in body["detail"]
    assert body["extra"]["field"] == "file"
    assert await StoredDocument.count() == 0
    assert not any(path.is_file() for path in settings.documents_dir.rglob("*"))


async def test_html_bytes_named_pdf_are_refused_as_an_unsupported_type(client, users):
    token = await api_token(client, users["leader"]["email"])

    response = await upload(client, token, filename="decision.pdf", data=HTML)

    assert response.status_code == 415
    assert response.json()["detail"].startswith("This file type is not accepted")
    assert await StoredDocument.count() == 0


async def test_empty_file_is_refused_with_422(client, users):
    token = await api_token(client, users["leader"]["email"])

    response = await upload(client, token, data=b"")

    assert response.status_code == 422
    assert response.json()["detail"] == "The file is empty. Choose the file again."
    assert response.json()["extra"]["field"] == "file"
    assert await StoredDocument.count() == 0


async def test_file_over_the_upload_limit_is_refused_with_a_message_naming_the_limit(users, database_url, tmp_path):
    settings = make_settings(database_url, tmp_path / "data", MAX_UPLOAD_BYTES="1000")
    async with running(settings) as http:
        token = await api_token(http, users["leader"]["email"])
        at_limit = await upload(http, token, data=PDF[:20] + bytes(1000 - 20))
        over_limit = await upload(http, token, data=PDF[:20] + bytes(1001 - 20))
        speak_english(http)
        over_limit_en = await upload(http, token, data=PDF[:20] + bytes(1001 - 20))

        assert at_limit.status_code == 201, at_limit.text
        assert over_limit.status_code == 413
        # Ukrainian by default, and the limit itself, not a rounded "0 MB".
        assert "1000 Б" in over_limit.json()["detail"]
        assert over_limit_en.status_code == 413
        assert "larger than the limit of 1000 bytes" in over_limit_en.json()["detail"]
        assert over_limit_en.json()["extra"]["field"] == "file"
        assert await StoredDocument.count() == 1


async def test_request_body_over_the_body_limit_answers_413_naming_the_limit(users, database_url, tmp_path):
    settings = make_settings(database_url, tmp_path / "data", MAX_BODY_BYTES="1000")
    async with running(settings) as http:
        token = await api_token(http, users["leader"]["email"])

        response = await upload(http, token, data=PDF + bytes(5000))
        speak_english(http)
        response_en = await upload(http, token, data=PDF + bytes(5000))

        assert response.status_code == 413
        assert "1000 Б" in response.json()["detail"]
        assert response_en.status_code == 413
        assert "The request is larger than the limit of 1000 bytes" in response_en.json()["detail"]
        assert await StoredDocument.count() == 0


# Who may read


async def test_another_applicant_cannot_read_a_leaders_document_nor_its_content(client, users, app):
    leader = await api_token(client, users["leader"]["email"])
    other = await api_token(client, users["other_leader"]["email"])
    document_id = (await upload(client, leader)).json()["id"]

    record = await client.get(f"/api/v1/documents/{document_id}", headers=bearer(other))
    content = await client.get(f"/api/v1/documents/{document_id}/content", headers=bearer(other))

    assert record.status_code == 403
    assert "Only the person who uploaded this document" in record.json()["detail"]
    assert content.status_code == 403
    assert PDF not in content.content
    # Nor through the page route, signed in with a session.
    async with client_for(app) as browser:
        speak_english(browser)
        await login(browser, users["other_leader"]["email"])
        page = await browser.get(f"/documents/{document_id}")
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert PDF not in page.content


async def test_the_uploader_and_staff_can_read_the_document(client, users, app):
    leader = await api_token(client, users["leader"]["email"])
    staff = await api_token(client, users["staff"]["email"])
    created = (await upload(client, leader, filename="Рішення ради.pdf")).json()

    for token in (leader, staff):
        record = await client.get(f"/api/v1/documents/{created['id']}", headers=bearer(token))
        content = await client.get(f"/api/v1/documents/{created['id']}/content", headers=bearer(token))
        assert record.status_code == 200
        assert record.json() == created
        assert content.status_code == 200
        assert content.content == PDF

    async with client_for(app) as browser:
        await login(browser, users["staff"]["email"])
        page = await browser.get(created["download_url"])
    assert page.status_code == 200
    assert page.content == PDF
    assert page.headers["content-disposition"].startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Рішення ради.pdf')}" in page.headers["content-disposition"]
    assert page.headers["cache-control"] == "private, no-store"


async def test_unknown_document_answers_404(client, users):
    staff = await api_token(client, users["staff"]["email"])
    response = await client.get("/api/v1/documents/999999", headers=bearer(staff))
    assert response.status_code == 404


async def test_anonymous_api_calls_answer_401_and_store_nothing(client, users):
    leader = await api_token(client, users["leader"]["email"])
    document_id = (await upload(client, leader)).json()["id"]

    anonymous_upload = await upload(client, None)
    bad_token_upload = await upload(client, "not-a-real-token")
    record = await client.get(f"/api/v1/documents/{document_id}")
    content = await client.get(f"/api/v1/documents/{document_id}/content")
    page = await client.get(f"/documents/{document_id}")

    assert anonymous_upload.status_code == 401
    assert bad_token_upload.status_code == 401
    assert record.status_code == 401
    assert content.status_code == 401
    assert PDF not in content.content
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=/documents/{document_id}"
    assert await StoredDocument.count() == 1


# The audit log


async def test_upload_is_recorded_in_the_audit_log(client, users):
    leader = await api_token(client, users["leader"]["email"])
    staff = await api_token(client, users["staff"]["email"])
    document = (await upload(client, leader, filename="Рішення ради.pdf", kind="council_decision")).json()

    response = await client.get("/api/v1/audit", params={"action": "document.upload"}, headers=bearer(staff))

    assert response.status_code == 200
    (entry,) = response.json()["items"]
    assert entry["object_type"] == "document"
    assert entry["object_id"] == str(document["id"])
    assert entry["actor"] == users["leader"]["email"]
    assert entry["after"]["filename"] == "Рішення ради.pdf"
    assert entry["after"]["size_bytes"] == len(PDF)
    assert entry["after"]["kind"] == "council_decision"
    assert await AuditEntry.count().where(AuditEntry.action == "document.upload") == 1
