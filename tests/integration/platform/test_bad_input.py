"""Input no route expects answers a clear 4xx on every route, never a 500, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute

from tests.conftest import api_token

DEEP_JSON = "[" * 1000 + "]" * 1000


def json_routes(app) -> list[tuple[str, str]]:
    """Every API operation that takes a body, with its path parameters filled in."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        path = re.sub(r"\{[^}:]+:int\}", "1", route.path)
        path = re.sub(r"\{[^}:]+:[^}]+\}", "x", path)
        for method in sorted(route.methods & {"POST", "PUT", "PATCH"}):
            found.append((method, path))
    return found


async def test_deeply_nested_json_is_refused_with_400_on_every_route(app, client, users):
    token = await api_token(client, users["staff"]["email"])
    routes = json_routes(app)
    assert len(routes) > 20
    for credentials in ({}, {"authorization": f"Bearer {token}"}):
        for method, path in routes:
            response = await client.request(
                method, path, content=DEEP_JSON, headers={"content-type": "application/json", **credentials}
            )
            assert response.status_code < 500, (method, path, response.text)
    login = await client.post("/api/v1/auth/token", content=DEEP_JSON, headers={"content-type": "application/json"})
    assert login.status_code == 400
    assert "nested too deeply" in login.json()["detail"] or "вкладен" in login.json()["detail"]
