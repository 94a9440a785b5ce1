from tests.conftest import PASSWORD, login


async def test_every_page_carries_the_security_headers(client):
    for path in ("/", "/hromadas", "/login", "/api/v1/hromadas?limit=1", "/health"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["referrer-policy"] == "same-origin", path
        assert "strict-transport-security" not in response.headers


async def test_pages_are_ukrainian_by_default_and_switch_to_english(client):
    page = await client.get("/hromadas")
    assert '<html lang="uk">' in page.text
    switched = await client.get("/language/en", params={"next": "/hromadas?type=urban"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/hromadas?type=urban"
    english = await client.get("/hromadas")
    assert '<html lang="en">' in english.text
    assert "Hromadas" in english.text


async def test_language_switch_never_redirects_to_another_site(client):
    response = await client.get("/language/en", params={"next": "//evil.example/"})
    assert response.headers["location"] == "/"


async def test_browser_language_is_used_when_no_choice_was_made(client):
    page = await client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.text


async def test_page_errors_are_pages_and_api_errors_are_json(client):
    page = await client.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["status_code"] == 404


async def test_signed_out_visitor_is_sent_to_login_and_back(client):
    response = await client.get("/audit")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/audit"


async def test_staff_browse_and_filter_the_audit_log(client, users):
    await login(client, users["staff"]["email"])
    page = await client.get("/audit", params={"action": "user.create"})
    assert page.status_code == 200
    assert users["leader"]["email"] in page.text
    assert "registry.import" not in page.text.split("<tbody>")[1]


async def test_audit_api_filters_by_object(client, users):
    from tests.conftest import api_token

    token = await api_token(client, users["staff"]["email"])
    response = await client.get(
        "/api/v1/audit",
        params={"object_type": "user", "object_id": str(users["leader"]["id"])},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    entries = response.json()["items"]
    assert [e["action"] for e in entries] == ["user.create"]
    assert entries[0]["after"]["email"] == users["leader"]["email"]
    assert entries[0]["actor"] == "system"


async def test_openapi_describes_the_api(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/hromadas" in schema["paths"]
    assert "/api/v1/auth/token" in schema["paths"]
    assert not any(path.startswith("/hromadas") for path in schema["paths"])


async def test_browser_language_honours_q_values(client):
    page = await client.get("/", headers={"accept-language": "en;q=0.1, uk;q=0.9"})
    assert page.status_code == 200
    assert 'lang="uk"' in page.text
    api = await client.get("/api/v1/rounds/999999", headers={"accept-language": "uk;q=0.1, en;q=0.9"})
    assert api.status_code in (401, 404)
    assert any(word in api.json()["detail"].lower() for word in ("sign in", "not found", "token"))


async def test_what_a_signed_in_person_sees_is_never_stored_by_a_cache(client, users):
    public = await client.get("/hromadas")
    assert "no-store" not in public.headers.get("cache-control", "")
    await login(client, users["staff"]["email"])
    for path in ("/", "/hromadas", "/audit", "/account/tokens"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    token = await client.post("/api/v1/auth/token", json={"email": users["staff"]["email"], "password": PASSWORD})
    api = await client.get("/api/v1/audit", headers={"authorization": f"Bearer {token.json()['token']}"})
    assert api.status_code == 200
    assert api.headers["cache-control"] == "no-store"
