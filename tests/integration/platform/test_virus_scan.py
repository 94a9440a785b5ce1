"""The upload virus scan speaks clamd's INSTREAM protocol; here to a small clamd stand-in on loopback that
flags the EICAR test string, since the real clamd needs signature downloads this machine cannot make."""

import asyncio
import struct

import pytest

from app.platform.tables import StoredDocument
from tests.conftest import api_token, client_for, free_port, make_settings

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def fake_clamd(port: int) -> asyncio.AbstractServer:
    async def handle(reader, writer):
        command = await reader.readuntil(b"\0")
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            size = struct.unpack("!L", await reader.readexactly(4))[0]
            if size == 0:
                break
            data += await reader.readexactly(size)
        writer.write(b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0")
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", port)


@pytest.fixture
async def scanning_app(database_url, tmp_path):
    from app.asgi import create_app
    from app.platform import virus_scan

    port = free_port()
    server = await fake_clamd(port)
    app = create_app(make_settings(database_url, tmp_path / "data", CLAMD_ADDRESS=f"tcp://127.0.0.1:{port}"))
    for hook in app.on_startup:
        await hook(app)
    yield app, server
    for hook in app.on_shutdown:
        await hook(app)
    server.close()
    virus_scan.configure("")


async def upload(http, token, data):
    # EICAR inside a PDF wrapper so the type check passes and the scanner decides.
    return await http.post(
        "/api/v1/documents",
        files={"file": ("scan.pdf", data, "application/pdf")},
        headers={"authorization": f"Bearer {token}", "accept-language": "en"},
    )


async def test_the_eicar_test_string_is_refused_when_scanning_is_on(scanning_app, users):
    app, _server = scanning_app
    async with client_for(app) as http:
        token = await api_token(http, users["leader"]["email"])
        infected = await upload(http, token, PDF + EICAR)
        assert infected.status_code == 422
        assert "Eicar-Test-Signature" in infected.json()["detail"]
        clean = await upload(http, token, PDF)
        assert clean.status_code == 201
    assert await StoredDocument.count() == 1


async def test_an_unreachable_scanner_refuses_uploads_with_503(scanning_app, users):
    app, server = scanning_app
    server.close()
    await server.wait_closed()
    async with client_for(app) as http:
        token = await api_token(http, users["leader"]["email"])
        response = await upload(http, token, PDF)
        assert response.status_code == 503
    assert await StoredDocument.count() == 0


@pytest.fixture
async def users(scanning_app):
    from app.accounts.services.users import create_user
    from app.platform import audit
    from tests.conftest import PASSWORD

    leader = await create_user(
        email="leader@test.asc",
        name="Leader",
        role="applicant",
        password=PASSWORD,
        hromada_code="UA05020030000031457",
        actor=audit.SYSTEM,
    )
    return {"leader": leader}
