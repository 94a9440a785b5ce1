"""Every response names its request (X-Request-ID), and the error page quotes it so a person can pass it on."""

from __future__ import annotations

import re

from app.registry.services import queries as registry_services


async def test_every_response_carries_its_own_request_id(client):
    first = await client.get("/hromadas")
    second = await client.get("/api/v1/hromadas?limit=1")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    assert ids[0] != ids[1]


async def test_a_proxys_request_id_is_kept_and_a_forged_one_is_not(client):
    kept = await client.get("/health", headers={"x-request-id": "proxy-4f9c2a71-0001"})
    assert kept.headers["x-request-id"] == "proxy-4f9c2a71-0001"
    for forged in ("short", "line\nbreak-0000000", "<script>alert(1)</script>", "x" * 500):
        response = await client.get("/health", headers={"x-request-id": forged})
        assert response.headers["x-request-id"] != forged
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_the_error_page_quotes_the_request_id(client, monkeypatch):
    async def broken(**_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(registry_services, "list_hromadas", broken)
    page = await client.get("/hromadas", headers={"accept-language": "en"})
    assert page.status_code == 500
    request_id = page.headers["x-request-id"]
    assert f"<code>{request_id}</code>" in page.text
    assert "quote this reference" in page.text
    api = await client.get("/api/v1/hromadas", headers={"accept-language": "en"})
    assert api.status_code == 500
    assert re.fullmatch(r"[0-9a-f]{32}", api.headers["x-request-id"])
