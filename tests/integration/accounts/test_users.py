"""Roles and user administration: who may see the audit log, who may create accounts."""

from __future__ import annotations

from app.accounts.tables import User
from tests.conftest import api_token, client_for, csrf_token, login
from tests.integration.accounts.conftest import error_notice, in_english

VINNYTSIA = "UA05020030000031457"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def new_user(**fields) -> dict:
    body = {"email": "new.person@test.asc", "name": "Нова Людина", "role": "expert", "password": "a-long-password-1"}
    body.update(fields)
    return body


# --- guards ------------------------------------------------------------------------------------


async def test_applicants_and_experts_are_refused_the_audit_log_page_with_a_reason(client, users, app):
    for role in ("leader", "expert"):
        async with client_for(app) as browser:
            in_english(browser)
            await login(browser, users[role]["email"])
            response = await browser.get("/audit")
            assert response.status_code == 403, role
            assert "This page is for programme staff only." in error_notice(response)


async def test_only_staff_and_admins_read_the_audit_log_api(client, users):
    for role, status in (("leader", 403), ("expert", 403), ("staff", 200), ("admin", 200)):
        token = await api_token(client, users[role]["email"])
        response = await client.get("/api/v1/audit", headers={**bearer(token), "accept-language": "en"})
        assert response.status_code == status, role
        if status == 403:
            assert response.json()["detail"] == "This page is for programme staff only."


async def test_staff_may_not_create_users_on_the_api(client, users):
    token = await api_token(client, users["staff"]["email"])
    response = await client.post("/api/v1/users", json=new_user(), headers=bearer(token))
    assert response.status_code == 403
    assert (await client.get("/api/v1/users", headers=bearer(token))).status_code == 403
    assert not await User.exists().where(User.email == "new.person@test.asc")


async def test_staff_may_not_open_or_post_the_user_admin_page(client, users):
    in_english(client)
    await login(client, users["staff"]["email"])
    page = await client.get("/admin/users")
    assert page.status_code == 403
    assert "This page is for administrators only." in error_notice(page)
    token = await csrf_token(client, "/account/tokens")
    response = await client.post("/admin/users", data={**new_user(), "_csrf_token": token})
    assert response.status_code == 403
    assert not await User.exists().where(User.email == "new.person@test.asc")


async def test_signed_out_visitors_are_sent_to_login_from_admin_pages_and_get_401_on_the_api(client, users):
    page = await client.get("/admin/users")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/admin/users"
    api = await client.post("/api/v1/users", json=new_user())
    assert api.status_code == 401


# --- user creation -----------------------------------------------------------------------------


async def test_admin_creates_a_user_who_can_then_sign_in(client, users, app):
    token = await api_token(client, users["admin"]["email"])
    response = await client.post(
        "/api/v1/users",
        json=new_user(email="Leader.Two@Test.ASC", role="applicant", hromada_code=VINNYTSIA),
        headers=bearer(token),
    )
    assert response.status_code == 201
    created = response.json()
    assert created["email"] == "leader.two@test.asc"
    assert created["role"] == "applicant" and created["hromada_code"] == VINNYTSIA
    assert "password" not in response.text and "hash" not in response.text
    listed = await client.get("/api/v1/users", headers=bearer(token))
    assert created in listed.json()
    async with client_for(app) as browser:
        assert (await login(browser, "leader.two@test.asc", "a-long-password-1")).status_code == 303
    own = await api_token(client, "leader.two@test.asc", "a-long-password-1")
    me = await client.get("/api/v1/me", headers=bearer(own))
    assert me.json()["hromada_code"] == VINNYTSIA


async def test_a_duplicate_email_is_409_whatever_its_case(client, users):
    token = await api_token(client, users["admin"]["email"])
    assert (await client.post("/api/v1/users", json=new_user(), headers=bearer(token))).status_code == 201
    for email in ("new.person@test.asc", "NEW.Person@test.asc", users["staff"]["email"]):
        response = await client.post("/api/v1/users", json=new_user(email=email), headers=bearer(token))
        assert response.status_code == 409, email
        assert response.json()["extra"]["field"] == "email"
    assert await User.count().where(User.email == "new.person@test.asc") == 1


async def test_an_applicant_without_a_hromada_is_422(client, users):
    token = await api_token(client, users["admin"]["email"])
    response = await client.post("/api/v1/users", json=new_user(role="applicant"), headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["extra"]["field"] == "hromada"
    assert not await User.exists().where(User.email == "new.person@test.asc")


async def test_an_unknown_hromada_is_404(client, users):
    token = await api_token(client, users["admin"]["email"])
    response = await client.post(
        "/api/v1/users", json=new_user(role="applicant", hromada_code="UA99999999999999999"), headers=bearer(token)
    )
    assert response.status_code == 404
    assert "UA99999999999999999" in response.json()["detail"]
    assert not await User.exists().where(User.email == "new.person@test.asc")


INVALID_FIELDS = [
    ({"email": "not-an-email"}, "email"),
    ({"email": "a" * 250 + "@test.asc"}, "email"),
    ({"name": "   "}, "name"),
    ({"role": "superuser"}, "role"),
    ({"password": "short"}, "password"),
    ({"role": "staff", "hromada_code": VINNYTSIA}, "hromada"),
]


async def test_invalid_user_fields_are_422_naming_the_field(client, users):
    token = await api_token(client, users["admin"]["email"])
    for fields, field in INVALID_FIELDS:
        response = await client.post("/api/v1/users", json=new_user(**fields), headers=bearer(token))
        assert response.status_code == 422, fields
        assert response.json()["extra"]["field"] == field, fields
    assert await User.count() == len(users)


async def test_user_creation_is_audited_without_the_password(client, users):
    token = await api_token(client, users["admin"]["email"])
    await client.post("/api/v1/users", json=new_user(), headers=bearer(token))
    log = await client.get(
        "/api/v1/audit", params={"action": "user.create", "actor": users["admin"]["email"]}, headers=bearer(token)
    )
    items = log.json()["items"]
    assert len(items) == 1
    assert items[0]["after"]["email"] == "new.person@test.asc"
    assert "a-long-password-1" not in log.text


async def test_admin_creates_a_user_on_the_page_and_sees_errors_there(client, users):
    in_english(client)
    await login(client, users["admin"]["email"])
    token = await csrf_token(client, "/admin/users")
    response = await client.post("/admin/users", data={**new_user(), "hromada_code": "", "_csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/admin/users"
    assert "new.person@test.asc" in (await client.get("/admin/users")).text

    duplicate = await client.post("/admin/users", data={**new_user(), "hromada_code": "", "_csrf_token": token})
    assert duplicate.status_code == 409
    assert "A user with this email already exists." in error_notice(duplicate)
    assert "a-long-password-1" not in duplicate.text

    forged = await client.post("/admin/users", data={**new_user(email="forged@test.asc"), "_csrf_token": "x"})
    assert forged.status_code == 403
    assert not await User.exists().where(User.email == "forged@test.asc")
