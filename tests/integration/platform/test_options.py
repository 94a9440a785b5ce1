"""OPTIONS names every method a path has, whichever controllers its handlers come from."""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute


def filled(path: str) -> str:
    return re.sub(r"\{[^}:]+:[^}]+\}", "1", path)


async def test_options_allow_header_lists_every_method_of_the_path(app, client):
    answered = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        response = await client.options(filled(route.path))
        if response.status_code != 204:
            continue  # a guard of the path's controller refused first (401 or a redirect to the login)
        answered += 1
        allowed = {method.strip() for method in response.headers["allow"].split(",")}
        assert allowed == set(route.methods), route.path
    assert answered > 30
    for path, expected in (("/login", "GET, OPTIONS, POST"), ("/api/v1/rounds", "GET, OPTIONS, POST")):
        assert (await client.options(path)).headers["allow"] == expected
