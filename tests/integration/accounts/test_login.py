"""Signing in and out through the pages: cookies, session ids, idle expiry, CSRF and rate limits."""

from __future__ import annotations

import httpx

from app.accounts.tables import LoginAttempt
from app.asgi import create_app
from app.platform.sessions import SESSION_COOKIE
from app.platform.tables import AuditEntry
from tests.conftest import PASSWORD, client_for, csrf_token, login, make_settings
from tests.integration.accounts.conftest import (
    error_notice,
    in_english,
    session_cookie,
    set_cookie_header,
    signed_in_as,
)

WRONG = "wrong-password-123"


def plant(http, session_id: str) -> None:
    """Put a session cookie into a browser as if another site or person had set it for this host."""
    http.cookies.set(SESSION_COOKIE, session_id, domain="testserver.local", path="/")


async def post_login(http, email: str, password: str, *, next: str = "/", token: str | None = None):
    if token is None:
        # A signed-in visitor is sent away from the login form; the sign-out form carries the token too.
        signed_in = (await http.get("/login")).status_code != 200
        token = await csrf_token(http, "/" if signed_in else "/login")
    return await http.post("/login", data={"email": email, "password": password, "_csrf_token": token, "next": next})


# --- signing in -------------------------------------------------------------------------------


async def test_login_redirects_to_next_and_sets_an_httponly_samesite_session_cookie(client, users):
    response = await post_login(client, users["leader"]["email"], PASSWORD, next="/hromadas?type=urban")
    assert response.status_code == 303
    assert response.headers["location"] == "/hromadas?type=urban"
    header = set_cookie_header(response, SESSION_COOKIE).lower()
    assert "httponly" in header
    assert "samesite=lax" in header
    assert "path=/" in header
    assert "secure" not in header  # only in production, where the site is served over HTTPS
    assert len(session_cookie(response)) >= 40
    assert await signed_in_as(client) == "Leader"


async def test_login_never_redirects_to_another_site(client, users):
    for target in ("//evil.example/", "https://evil.example/", "evil"):
        response = await post_login(client, users["leader"]["email"], PASSWORD, next=target)
        assert response.status_code == 303
        assert response.headers["location"] == "/", target


async def test_session_cookie_is_secure_in_production(database_url, tmp_path, users):
    settings = make_settings(database_url, tmp_path / "prod", APP_ENV="production", ALLOWED_HOSTS="testserver")
    application = create_app(settings)
    for hook in application.on_startup:
        await hook(application)
    try:
        # The CSRF cookie is Secure in production too, so the browser must be on HTTPS to send it back.
        transport = httpx.ASGITransport(app=application, client=("198.51.100.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
            response = await post_login(http, users["leader"]["email"], PASSWORD)
            assert response.status_code == 303
            assert "secure" in set_cookie_header(response, SESSION_COOKIE).lower()
    finally:
        for hook in application.on_shutdown:
            await hook(application)


async def test_wrong_password_and_unknown_email_get_the_same_status_and_message(client, users):
    in_english(client)
    wrong = await post_login(client, users["leader"]["email"], WRONG)
    unknown = await post_login(client, "nobody@test.asc", WRONG)
    assert wrong.status_code == unknown.status_code == 400
    assert error_notice(wrong) == error_notice(unknown) == "The email or password is wrong. Check both and try again."
    assert session_cookie(wrong) is None and session_cookie(unknown) is None
    assert await signed_in_as(client) is None


async def test_the_api_also_answers_wrong_password_and_unknown_email_identically(client, users):
    wrong = await client.post("/api/v1/auth/token", json={"email": users["leader"]["email"], "password": WRONG})
    unknown = await client.post("/api/v1/auth/token", json={"email": "nobody@test.asc", "password": WRONG})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_wrong_credentials_on_the_api_are_401_with_the_bearer_challenge_in_both_languages(client, users):
    messages = {
        "uk": "Неправильна адреса електронної пошти або пароль. Перевірте обидва поля й спробуйте ще раз.",
        "en": "The email or password is wrong. Check both and try again.",
    }
    for language, message in messages.items():
        response = await client.post(
            "/api/v1/auth/token",
            json={"email": users["leader"]["email"], "password": WRONG},
            headers={"accept-language": language},
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"status_code": 401, "detail": message}


async def test_email_is_matched_without_regard_to_case_or_spaces(client, users):
    response = await post_login(client, "  LEADER@Test.ASC ", PASSWORD)
    assert response.status_code == 303
    assert await signed_in_as(client) == "Leader"


async def test_login_is_recorded_in_the_audit_log_with_the_client_address(client, users):
    await login(client, users["leader"]["email"])
    entries = await AuditEntry.select().where(
        (AuditEntry.action == "user.login") & (AuditEntry.actor == users["leader"]["email"])
    )
    assert len(entries) == 1
    assert entries[0]["address"] == "198.51.100.7"
    assert entries[0]["object_id"] == str(users["leader"]["id"])
    # A failed attempt is no login: it is counted for the rate limit, not audited as one.
    await post_login(client, users["expert"]["email"], WRONG)
    assert await AuditEntry.count().where(AuditEntry.actor == users["expert"]["email"]) == 0


async def test_staff_see_logins_in_the_audit_log(client, users, app):
    async with client_for(app) as leader:
        await login(leader, users["leader"]["email"])
    await login(client, users["staff"]["email"])
    page = await client.get("/audit", params={"action": "user.login"})
    assert page.status_code == 200
    assert users["leader"]["email"] in page.text.split("<tbody>")[1]


# --- signing out and session ids ---------------------------------------------------------------


async def test_logout_kills_the_session_even_for_a_replayed_cookie(client, users, app):
    await login(client, users["leader"]["email"])
    old = client.cookies[SESSION_COOKIE]
    assert await signed_in_as(client) == "Leader"

    token = await csrf_token(client, "/")
    response = await client.post("/logout", data={"_csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert "max-age=0" in set_cookie_header(response, SESSION_COOKIE).lower()
    assert await signed_in_as(client) is None

    # Someone who copied the cookie before the logout gets nothing from it.
    async with client_for(app) as thief:
        assert await signed_in_as(thief, cookie=old) is None
        replay = await thief.get("/account/tokens", headers={"cookie": f"{SESSION_COOKIE}={old}"})
        assert replay.status_code == 303
        assert replay.headers["location"].startswith("/login")


async def test_logout_needs_the_csrf_token_so_another_site_cannot_sign_you_out(client, users):
    await login(client, users["leader"]["email"])
    response = await client.post("/logout", data={})
    assert response.status_code == 403
    assert await signed_in_as(client) == "Leader"


async def test_a_cookie_planted_before_login_is_not_the_session_after_it(client, users, app):
    token = await csrf_token(client)
    planted = "attacker-chosen-session-id-0123456789abcdef"
    plant(client, planted)
    response = await post_login(client, users["leader"]["email"], PASSWORD, token=token)
    assert response.status_code == 303
    issued = session_cookie(response)
    assert issued and issued != planted
    async with client_for(app) as attacker:
        assert await signed_in_as(attacker, cookie=planted) is None
        assert await signed_in_as(attacker, cookie=issued) == "Leader"


async def test_login_over_a_live_session_issues_a_new_id_and_kills_the_old_one(client, users, app):
    """Session fixation: an attacker signs in, plants their own live cookie in the victim's browser."""
    async with client_for(app) as attacker:
        await login(attacker, users["other_leader"]["email"])
        fixed = attacker.cookies[SESSION_COOKIE]

    token = await csrf_token(client)  # the victim's login form, loaded before the cookie was planted
    plant(client, fixed)
    response = await post_login(client, users["leader"]["email"], PASSWORD, token=token)
    assert response.status_code == 303
    issued = session_cookie(response)
    assert issued and issued != fixed
    assert await signed_in_as(client) == "Leader"
    async with client_for(app) as attacker:
        assert await signed_in_as(attacker, cookie=fixed) is None


async def test_every_login_gets_its_own_session_id(client, users, app):
    await login(client, users["leader"]["email"])
    first = client.cookies[SESSION_COOKIE]
    async with client_for(app) as second_browser:
        await login(second_browser, users["leader"]["email"])
        second = second_browser.cookies[SESSION_COOKIE]
    assert first != second
    # Two browsers, two sessions: both stay signed in.
    async with client_for(app) as check:
        assert await signed_in_as(check, cookie=first) == "Leader"
        assert await signed_in_as(check, cookie=second) == "Leader"


async def test_a_forged_session_cookie_is_simply_signed_out(client, users):
    for value in ("", "x", "../../../../etc/passwd", "a" * 500):
        assert await signed_in_as(client, cookie=value) is None


# --- idle timeout ------------------------------------------------------------------------------


async def test_an_idle_session_expires_after_the_idle_timeout(client, users, store_clock):
    await login(client, users["leader"]["email"])
    store_clock.advance(minutes=59)
    assert await signed_in_as(client) == "Leader"
    store_clock.advance(minutes=59)  # less than an hour since the last request: still alive
    assert await signed_in_as(client) == "Leader"
    store_clock.advance(minutes=61)
    assert await signed_in_as(client) is None
    response = await client.get("/account/tokens")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    store_clock.advance(minutes=-180)  # the expired session was removed, not just hidden
    assert await signed_in_as(client) is None


async def test_the_idle_timeout_follows_the_setting(database_url, tmp_path, users, store_clock):
    settings = make_settings(database_url, tmp_path / "short", SESSION_IDLE_MINUTES="5")
    application = create_app(settings)
    for hook in application.on_startup:
        await hook(application)
    try:
        async with client_for(application) as http:
            await login(http, users["leader"]["email"])
            store_clock.advance(minutes=4)
            assert await signed_in_as(http) == "Leader"
            store_clock.advance(minutes=5, seconds=1)
            assert await signed_in_as(http) is None
    finally:
        for hook in application.on_shutdown:
            await hook(application)


async def test_the_session_cookie_does_not_outlive_an_active_session_in_the_browser(client, users):
    """The server renews a session at every request; a cookie with a fixed lifetime would sign an
    active user out after the idle period anyway, so the cookie lasts for the browser session."""
    response = await post_login(client, users["leader"]["email"], PASSWORD)
    header = set_cookie_header(response, SESSION_COOKIE).lower()
    assert "max-age" not in header and "expires" not in header


# --- CSRF on the login form --------------------------------------------------------------------


async def test_login_without_or_with_a_wrong_csrf_token_is_refused_with_a_readable_message(client, users):
    in_english(client)
    real = await csrf_token(client)
    for data in (
        {"email": users["leader"]["email"], "password": PASSWORD, "next": "/"},
        {"email": users["leader"]["email"], "password": PASSWORD, "next": "/", "_csrf_token": "forged"},
        {"email": users["leader"]["email"], "password": PASSWORD, "next": "/", "_csrf_token": real[:-4] + "AAAA"},
    ):
        response = await client.post("/login", data=data)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "This form has expired. Reload the page and submit it again." in response.text
        assert "CSRF token verification failed" not in response.text
        assert session_cookie(response) is None
    assert await LoginAttempt.count() == 0
    assert await signed_in_as(client) is None
    # The same form with the real token goes through.
    response = await post_login(client, users["leader"]["email"], PASSWORD, token=real)
    assert response.status_code == 303


async def test_a_csrf_token_from_another_browser_is_refused(client, users, app):
    async with client_for(app) as other:
        foreign = await csrf_token(other)
    await csrf_token(client)  # this browser has its own CSRF cookie
    response = await post_login(client, users["leader"]["email"], PASSWORD, token=foreign)
    assert response.status_code == 403
    assert await LoginAttempt.count() == 0


# --- rate limits -------------------------------------------------------------------------------


async def test_after_five_failures_that_address_waits_but_the_owner_elsewhere_gets_in(client, users, app):
    in_english(client)
    email = users["leader"]["email"]
    for _ in range(5):
        assert (await post_login(client, email, WRONG)).status_code == 400
    # Brute force from here stops: even the right password waits, on the page and in the API.
    response = await post_login(client, email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Wait 1 min and try again." in error_notice(response)
    assert 55 <= int(response.headers["retry-after"]) <= 60
    assert session_cookie(response) is None
    api = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert api.status_code == 429
    assert api.json()["extra"]["retry_after"] == int(api.headers["retry-after"])
    # A stranger's failures do not lock the owner out: from another address the right password gets in.
    async with client_for(app, "203.0.113.50") as elsewhere:
        assert (await post_login(elsewhere, email, PASSWORD)).status_code == 303
        assert (await post_login(elsewhere, users["expert"]["email"], PASSWORD)).status_code == 303
    # Other accounts are untouched from the address that failed.
    assert (await post_login(client, users["staff"]["email"], PASSWORD)).status_code == 303


async def test_the_wait_doubles_with_every_further_failure(client, users):
    from datetime import timedelta

    email = users["leader"]["email"]
    waits = []
    for _ in range(4):
        while (response := await post_login(client, email, WRONG)).status_code != 429:
            assert response.status_code == 400
        waits.append(int(response.headers["retry-after"]))
        # Let the wait pass: every attempt so far moves back by the time asked.
        rows = await LoginAttempt.select(LoginAttempt.id, LoginAttempt.attempted_at)
        for row in rows:
            await LoginAttempt.update(
                {LoginAttempt.attempted_at: row["attempted_at"] - timedelta(seconds=waits[-1] + 1)}
            ).where(LoginAttempt.id == row["id"])
    assert [round(w / 60) for w in waits] == [1, 2, 4, 8]
    assert (await post_login(client, email, PASSWORD)).status_code == 303


async def test_many_addresses_at_one_account_stop_strangers_but_not_its_owners_known_address(
    database_url, tmp_path, users
):
    application = await limited_app(database_url, tmp_path, LOGIN_MAX_FAILURES_PER_ACCOUNT_EVERYWHERE="6")
    email = users["leader"]["email"]
    try:
        async with client_for(application, "198.51.100.10") as owner:
            assert (await post_login(owner, email, PASSWORD)).status_code == 303
        for n in range(6):  # a botnet: one try from each of six addresses
            async with client_for(application, f"192.0.2.{n + 1}") as bot:
                assert (await post_login(bot, email, WRONG)).status_code == 400
        async with client_for(application, "192.0.2.200") as stranger:
            refused = await post_login(stranger, email, PASSWORD)
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) > 800
        async with client_for(application, "198.51.100.10") as owner:
            assert (await post_login(owner, email, PASSWORD)).status_code == 303
    finally:
        await stop(application)


async def test_four_failures_still_let_the_right_password_in(client, users):
    email = users["leader"]["email"]
    for _ in range(4):
        await post_login(client, email, WRONG)
    assert (await post_login(client, email, PASSWORD)).status_code == 303


async def test_failures_older_than_the_window_no_longer_count(client, users):
    from datetime import UTC, datetime, timedelta

    email = users["leader"]["email"]
    for _ in range(5):
        await post_login(client, email, WRONG)
    assert (await post_login(client, email, PASSWORD)).status_code == 429
    await LoginAttempt.update({LoginAttempt.attempted_at: datetime.now(UTC) - timedelta(minutes=16)}, force=True)
    assert (await post_login(client, email, PASSWORD)).status_code == 303


async def limited_app(database_url, tmp_path, **env):
    settings = make_settings(database_url, tmp_path / "limited", **env)
    application = create_app(settings)
    for hook in application.on_startup:
        await hook(application)
    return application


async def stop(application) -> None:
    for hook in application.on_shutdown:
        await hook(application)


async def test_one_address_trying_many_accounts_is_limited_and_x_forwarded_for_does_not_reset_it(
    database_url, tmp_path, users
):
    application = await limited_app(
        database_url, tmp_path, LOGIN_MAX_FAILURES_PER_ADDRESS="6", LOGIN_MAX_FAILURES_PER_ACCOUNT="5"
    )
    try:
        async with client_for(application, "192.0.2.66") as attacker:
            # Spraying: at most two tries per account, far below the per-account limit.
            for index in range(6):
                email = ("nobody-a@test.asc", "nobody-b@test.asc", "nobody-c@test.asc")[index // 2]
                assert (await post_login(attacker, email, WRONG)).status_code == 400
            # From now on this address is refused, whatever the account and even with its right password.
            assert (await post_login(attacker, users["expert"]["email"], PASSWORD)).status_code == 429
            token = await csrf_token(attacker)
            for forwarded in ("10.0.0.1", "203.0.113.9, 10.0.0.1", "198.51.100.200"):
                response = await attacker.post(
                    "/login",
                    data={"email": users["staff"]["email"], "password": PASSWORD, "_csrf_token": token},
                    headers={"x-forwarded-for": forwarded, "x-real-ip": forwarded, "forwarded": f"for={forwarded}"},
                )
                assert response.status_code == 429, forwarded
                api = await attacker.post(
                    "/api/v1/auth/token",
                    json={"email": users["staff"]["email"], "password": PASSWORD},
                    headers={"x-forwarded-for": forwarded},
                )
                assert api.status_code == 429, forwarded
            addresses = {row["address"] for row in await LoginAttempt.select(LoginAttempt.address)}
            assert addresses == {"192.0.2.66"}
        # The same accounts from another address work: only the spraying address is blocked.
        async with client_for(application, "203.0.113.77") as honest:
            assert (await post_login(honest, users["expert"]["email"], PASSWORD)).status_code == 303
            assert (await post_login(honest, users["staff"]["email"], PASSWORD)).status_code == 303
    finally:
        await stop(application)


async def test_the_per_address_limit_is_twenty_by_default(client, users, app):
    emails = [f"nobody-{n}@test.asc" for n in range(10)]
    for index in range(19):
        assert (await post_login(client, emails[index // 2], WRONG)).status_code == 400
    # The twentieth failure is still judged; the next attempt is refused.
    assert (await post_login(client, emails[9], WRONG)).status_code == 400
    assert (await post_login(client, users["leader"]["email"], PASSWORD)).status_code == 429
    async with client_for(app, "203.0.113.78") as other:
        assert (await post_login(other, users["leader"]["email"], PASSWORD)).status_code == 303


async def test_an_absurdly_long_email_is_just_a_wrong_login(client, users):
    in_english(client)
    for email in ("a" * 300 + "@test.asc", "x" * 5000):
        response = await post_login(client, email, WRONG)
        assert response.status_code == 400
        assert error_notice(response) == "The email or password is wrong. Check both and try again."
    api = await client.post("/api/v1/auth/token", json={"email": "b" * 300 + "@test.asc", "password": WRONG})
    assert api.status_code == 401
