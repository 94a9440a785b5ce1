"""Every route of the app, from the router (a new route cannot be forgotten), called as: anonymous, the leader
of another hromada on hromada A's objects, an expert not assigned to them, staff and admin. An unexpected
success fails; staff and admin never meet a server error."""

import re

import pytest

from app.accounts.services.users import create_user
from app.platform import audit
from app.platform.tables import StoredDocument
from app.procurement.tables import Lot
from app.scoring.tables import Assignment, Review
from tests.conftest import PASSWORD, api_token, client_for, login
from tests.integration.procurement.conftest import PDF
from tests.integration.procurement.conftest import winners as winners_fixture  # noqa: F401
from tests.integration.scoring import conftest as scoring_fixtures

world = scoring_fixtures.world
winners = winners_fixture

# Open to everyone (public data, sign-in, language, static files, API docs).
PUBLIC = re.compile(
    r"^(/|/health|/login|/language/\{locale\}|/hromadas(/\{code\})?|/api/v1/hromadas(/\{code\})?|/api/v1/oblasts"
    r"|/rounds|/rounds/\{round_id\}|/static/.*|/schema.*|/api/v1/auth/token)$"
)
# A signed-in person's own things, or lists the service filters to what they may see.
SELF_SERVICE = re.compile(
    r"^(/logout|/account/tokens.*|/api/v1/auth/tokens.*|/api/v1/me.*|/applications/mine|/api/v1/applications/mine"
    r"|/reviews|/projects|/api/v1/projects|/api/v1/rounds|/api/v1/rounds/\{round_id\}|/api/v1/programmes"
    r"|/api/v1/catalogue|/api/v1/rounds/\{round_id\}/criteria|/api/v1/documents)$"
)
OBJECT_PARAMS = ("application_id", "project_id", "lot_id", "document_id", "assignment_id", "review_id", "token_id")


def all_routes(app) -> list[tuple[str, str]]:
    routes = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method not in ("HEAD", "OPTIONS"):
                    routes.add((route.path, method))
    return sorted(routes)


def succeeded(response) -> bool:
    if 200 <= response.status_code < 300:
        return True
    location = response.headers.get("location", "")
    return response.status_code in (301, 302, 303, 307) and not location.startswith("/login")


@pytest.fixture
async def objects(winners, client):
    """Hromada A's objects: a winner's application, project, lot, document; an assignment and a review."""
    project = winners.projects[0]
    application_id = project["application"]
    lot = await client.post(
        f"/api/v1/projects/{project['id']}/lots",
        headers=winners.staff,
        json={"category": "furniture", "items": [{"description": "Стіл", "estimate_minor": 1}]},
    )
    document = await client.post(
        f"/api/v1/lots/{lot.json()['id']}/documents",
        data={"kind": "acceptance"},
        files={"file": ("акт.pdf", PDF, "application/pdf")},
        headers=winners.leader[project["id"]],
    )
    assert document.status_code == 201, document.text
    assignment = await Assignment.select(Assignment.id).where(Assignment.application == application_id).first()
    review = await Review.select(Review.id).where(Review.application == application_id).first()
    return {
        "round_id": winners.world.round_id,
        "application_id": application_id,
        "project_id": project["id"],
        "lot_id": (await Lot.select(Lot.id).first())["id"],
        "document_id": document.json()["id"],
        "assignment_id": assignment["id"],
        "review_id": review["id"],
        "token_id": 1,
        "code": "UA05020030000031457",
        "key": "asc_opened",
        "locale": "en",
        "on_date": "2026-01-01",
        "file_path": "app.css",
    }


def concrete(path: str, values: dict) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), path)


async def call(http, method: str, path: str, token: str | None):
    headers = {"authorization": f"Bearer {token}"} if token and path.startswith("/api/") else {}
    if method == "GET":
        return await http.get(path, headers=headers)
    if path.startswith("/api/"):
        return await http.request(method, path, json={}, headers=headers)
    csrf = http.cookies.get("asc_csrf")
    if csrf is None:
        await http.get("/login")
    page = await http.get("/login")
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    return await http.request(method, path, data={"_csrf_token": match.group(1) if match else ""}, headers=headers)


async def sign_in(http, email: str | None) -> str | None:
    if not email:
        return None
    await login(http, email)
    return await api_token(http, email)


async def test_every_route_refuses_those_who_do_not_belong(app, users, winners, objects, client):
    outsider_expert = await create_user(
        email="outsider@test.asc", name="Outsider", role="expert", password=PASSWORD, actor=audit.SYSTEM
    )
    other_leader = winners.world.applications[-1]["leader_email"]  # a hromada that did not win
    routes = all_routes(app)
    unexpected, server_errors, probes = [], [], 0
    for label, email in (
        ("anonymous", None),
        ("other hromada's leader", other_leader),
        ("unassigned expert", outsider_expert["email"]),
        ("staff", users["staff"]["email"]),
        ("admin", users["admin"]["email"]),
    ):
        async with client_for(app) as http:
            token = await sign_in(http, email)
            for raw_path, method in routes:
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", raw_path)
                if "{path" in path or path in ("/logout",):
                    continue
                if label in ("staff", "admin") and method != "GET":
                    continue  # their writes are covered by the domain tests; here: no server errors on reads
                response = await call(http, method, concrete(path, objects), token)
                probes += 1
                if response.status_code >= 500:
                    server_errors.append((label, method, path, response.status_code))
                if label in ("staff", "admin") or PUBLIC.match(path):
                    continue
                touches_object = any(f"{{{name}" in path for name in OBJECT_PARAMS)
                if label != "anonymous" and SELF_SERVICE.match(path) and not touches_object:
                    continue
                if succeeded(response):
                    unexpected.append((label, method, path, response.status_code))
                elif label == "other hromada's leader" and "Вінницьк" in response.text and "/hromadas" not in path:
                    unexpected.append((label, method, path, "leaks the other hromada's name"))
    print(f"\naccess matrix: {len(routes)} routes, {probes} probes")
    assert server_errors == []
    assert unexpected == []
    assert await StoredDocument.count() == 1
