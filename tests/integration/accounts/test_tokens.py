"""API tokens: issued for a password, used as bearer tokens on /api/ only, revocable, audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.accounts.tables import ApiToken
from app.platform.sessions import SESSION_COOKIE
from app.platform.tables import AuditEntry
from tests.conftest import PASSWORD, api_token, client_for, csrf_token, login
from tests.integration.accounts.conftest import in_english


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_a_password_buys_a_token_that_identifies_its_owner_on_the_api(client, users):
    response = await client.post(
        "/api/v1/auth/token", json={"email": users["expert"]["email"], "password": PASSWORD, "name": "scores script"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("asc_") and len(body["token"]) > 40
    assert body["name"] == "scores script"
    me = await client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json() == {
        "id": users["expert"]["id"],
        "email": "expert@test.asc",
        "name": "Expert",
        "role": "expert",
        "hromada_code": None,
        "locale": "uk",
    }


async def test_only_a_hash_of_the_token_is_stored(client, users):
    token = await api_token(client, users["expert"]["email"])
    rows = await ApiToken.select()
    assert len(rows) == 1
    assert token not in str(rows[0])
    assert rows[0]["prefix"] == token[:12]


async def test_the_api_without_a_token_or_with_a_bad_one_is_401(client, users):
    token = await api_token(client, users["expert"]["email"])
    for headers in (
        {},
        bearer("asc_not-a-real-token"),
        bearer("not-even-the-prefix"),
        bearer(token + "x"),
        {"authorization": f"Basic {token}"},
        {"authorization": token},
    ):
        response = await client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["status_code"] == 401
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200


async def test_a_revoked_token_gets_401(client, users):
    issued = await client.post("/api/v1/auth/token", json={"email": users["expert"]["email"], "password": PASSWORD})
    token, token_id = issued.json()["token"], issued.json()["id"]
    other = await api_token(client, users["expert"]["email"])
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200

    revoked = await client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(other))
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    # The other token is unaffected, and the list shows which one was revoked.
    listed = await client.get("/api/v1/auth/tokens", headers=bearer(other))
    assert listed.status_code == 200
    states = {row["id"]: row["revoked_at"] for row in listed.json()}
    assert states[token_id] is not None
    assert sum(1 for value in states.values() if value is None) == 1
    assert all("token" not in row for row in listed.json())


async def test_a_token_can_revoke_itself(client, users):
    issued = await client.post("/api/v1/auth/token", json={"email": users["expert"]["email"], "password": PASSWORD})
    token, token_id = issued.json()["token"], issued.json()["id"]
    assert (await client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(token))).status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401


async def test_nobody_revokes_or_sees_another_persons_tokens(client, users):
    issued = await client.post("/api/v1/auth/token", json={"email": users["leader"]["email"], "password": PASSWORD})
    victim, victim_id = issued.json()["token"], issued.json()["id"]
    intruder = await api_token(client, users["admin"]["email"])
    response = await client.delete(f"/api/v1/auth/tokens/{victim_id}", headers=bearer(intruder))
    assert response.status_code == 404
    assert (await client.get("/api/v1/me", headers=bearer(victim))).status_code == 200
    listed = await client.get("/api/v1/auth/tokens", headers=bearer(intruder))
    own = await ApiToken.select(ApiToken.id).where(ApiToken.user == users["admin"]["id"])
    assert [row["id"] for row in listed.json()] == [row["id"] for row in own]


async def test_a_deactivated_users_tokens_stop_working(client, users):
    from app.accounts.services.users import set_user_active
    from app.platform import audit

    token = await api_token(client, users["expert"]["email"])
    await set_user_active(user_id=users["expert"]["id"], active=False, actor=audit.SYSTEM)
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401


async def test_a_session_cookie_alone_does_not_open_the_api(client, users):
    await login(client, users["staff"]["email"])
    assert SESSION_COOKIE in client.cookies
    assert (await client.get("/account/tokens")).status_code == 200  # the cookie does work on pages
    for method, path, kwargs in (
        ("GET", "/api/v1/me", {}),
        ("GET", "/api/v1/audit", {}),
        ("GET", "/api/v1/auth/tokens", {}),
        (
            "POST",
            "/api/v1/users",
            {"json": {"email": "x@test.asc", "name": "X", "role": "staff", "password": "p" * 12}},
        ),
    ):
        response = await client.request(method, path, **kwargs)
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"].startswith("application/json")


async def test_a_token_is_not_accepted_on_pages(client, users):
    token = await api_token(client, users["staff"]["email"])
    for path in ("/account/tokens", "/audit"):
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
    # Nor as the value of the session cookie.
    response = await client.get("/audit", headers={"cookie": f"{SESSION_COOKIE}={token}"})
    assert response.status_code == 303


async def test_tokens_page_creates_a_token_shown_once_that_works_on_the_api(client, users):
    await login(client, users["expert"]["email"])
    in_english(client)
    token = await csrf_token(client, "/account/tokens")
    page = await client.post("/account/tokens", data={"name": "nightly export", "_csrf_token": token})
    assert page.status_code == 200
    assert "Copy it now: it will not be shown again." in page.text
    clear = re.search(r'<code class="token">(asc_[^<]+)</code>', page.text).group(1)
    me = await client.get("/api/v1/me", headers=bearer(clear))
    assert me.status_code == 200 and me.json()["email"] == users["expert"]["email"]
    again = await client.get("/account/tokens")
    assert "nightly export" in again.text
    assert clear not in again.text


async def test_tokens_page_revokes_a_token(client, users):
    await login(client, users["expert"]["email"])
    token = await csrf_token(client, "/account/tokens")
    page = await client.post("/account/tokens", data={"name": "short-lived", "_csrf_token": token})
    clear = re.search(r'<code class="token">(asc_[^<]+)</code>', page.text).group(1)
    token_id = (await ApiToken.select(ApiToken.id).first())["id"]
    response = await client.post(f"/account/tokens/{token_id}/revoke", data={"_csrf_token": token})
    assert response.status_code == 303
    assert (await client.get("/api/v1/me", headers=bearer(clear))).status_code == 401


async def test_token_creation_without_or_with_a_wrong_csrf_token_is_refused_and_creates_nothing(client, users):
    await login(client, users["expert"]["email"])
    in_english(client)
    real = await csrf_token(client, "/account/tokens")
    for data in ({"name": "no token"}, {"name": "forged", "_csrf_token": "forged-value"}):
        response = await client.post("/account/tokens", data=data)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "This form has expired. Reload the page and submit it again." in response.text
        assert "asc_" not in response.text
    # A header carrying a wrong token fails too (htmx sends the token as a header).
    response = await client.post("/account/tokens", data={"name": "header"}, headers={"x-csrftoken": "forged"})
    assert response.status_code == 403
    assert await ApiToken.count() == 0
    assert await AuditEntry.count().where(AuditEntry.action == "token.create") == 0
    # The same request with the real token works, so the refusals above were the CSRF check.
    response = await client.post("/account/tokens", data={"name": "with token", "_csrf_token": real})
    assert response.status_code == 200
    assert await ApiToken.count() == 1
    response = await client.post("/account/tokens", data={"name": "via header"}, headers={"x-csrftoken": real})
    assert response.status_code == 200
    assert await ApiToken.count() == 2


async def test_revoking_on_the_page_without_a_csrf_token_is_refused(client, users):
    issued = await client.post("/api/v1/auth/token", json={"email": users["expert"]["email"], "password": PASSWORD})
    await login(client, users["expert"]["email"])
    response = await client.post(f"/account/tokens/{issued.json()['id']}/revoke")
    assert response.status_code == 403
    assert (await client.get("/api/v1/me", headers=bearer(issued.json()["token"]))).status_code == 200


async def test_token_creation_is_in_the_audit_log_without_the_token(client, users, app):
    token = await api_token(client, users["expert"]["email"])
    async with client_for(app) as browser:
        await login(browser, users["leader"]["email"])
        form_token = await csrf_token(browser, "/account/tokens")
        await browser.post("/account/tokens", data={"name": "from the page", "_csrf_token": form_token})

    staff = await api_token(client, users["staff"]["email"])
    log = await client.get("/api/v1/audit", params={"action": "token.create"}, headers=bearer(staff))
    assert log.status_code == 200
    entries = log.json()["items"]
    by_actor = {entry["actor"]: entry for entry in entries}
    assert set(by_actor) == {users["expert"]["email"], users["leader"]["email"], users["staff"]["email"]}
    assert by_actor[users["leader"]["email"]]["after"]["name"] == "from the page"
    assert by_actor[users["expert"]["email"]]["after"]["prefix"] == token[:12]
    assert token not in log.text
    rows = await AuditEntry.select(AuditEntry.address).where(AuditEntry.action == "token.create")
    assert {row["address"] for row in rows} == {"198.51.100.7"}


async def test_a_token_that_does_not_verify_is_refused_on_every_api_route_public_ones_too(app, client, users):
    from litestar.routes import HTTPRoute

    issued = await client.post("/api/v1/auth/token", json={"email": users["expert"]["email"], "password": PASSWORD})
    revoked_token, revoked_id = issued.json()["token"], issued.json()["id"]
    assert (await client.delete(f"/api/v1/auth/tokens/{revoked_id}", headers=bearer(revoked_token))).status_code == 204
    expired_token = await api_token(client, users["staff"]["email"])
    await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        ApiToken.prefix == expired_token[:12]
    )
    paths = sorted(
        {
            re.sub(r"\{[^}]+\}", "1", route.path)
            for route in app.routes
            if isinstance(route, HTTPRoute) and route.path.startswith("/api/") and "GET" in route.methods
        }
    )
    assert "/api/v1/hromadas" in paths and len(paths) > 25
    for credentials in ("asc_garbage", revoked_token, expired_token):
        for path in paths:
            response = await client.get(path, headers={**bearer(credentials), "accept-language": "en"})
            assert response.status_code == 401, (path, credentials[:8])
            assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"', path
            assert "unknown, revoked or expired" in response.json()["detail"]
    uk = await client.get("/api/v1/hromadas", headers=bearer("asc_garbage"))
    assert "недійсний" in uk.json()["detail"]
    # Without any token the public routes still answer, and a guarded one names the scheme it wants.
    assert (await client.get("/api/v1/hromadas?limit=1")).status_code == 200
    guarded = await client.get("/api/v1/me")
    assert guarded.status_code == 401
    assert guarded.headers["www-authenticate"] == "Bearer"


async def test_a_token_works_until_it_expires(client, users, monkeypatch):
    issued = await client.post("/api/v1/auth/token", json={"email": users["expert"]["email"], "password": PASSWORD})
    body = issued.json()
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert (await client.get("/api/v1/me", headers=bearer(body["token"]))).status_code == 200
    listed = (await client.get("/api/v1/auth/tokens", headers=bearer(body["token"]))).json()
    assert listed[0]["expires_at"] == body["expires_at"]
    await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
        ApiToken.id == body["id"]
    )
    assert (await client.get("/api/v1/me", headers=bearer(body["token"]))).status_code == 401
