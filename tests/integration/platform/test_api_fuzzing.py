"""Schemathesis against /schema/openapi.json with its default checks, as every role.

The app runs as a real server (uvicorn in a thread, its own event loop, so PostgreSQL's pool lives
where the app started) on one database seeded with a world to act on: a programme, an open round
with a draft and a document, a round in review with an expert's assignment, a round decided with a
project, a lot and a catalogue item. Each role then fuzzes every operation of the API: no 5xx, every
status code documented, every body matching its schema. Cases are derandomised, so a run is
reproducible; a failure prints the request to replay with curl.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.auths import AuthStorage

from app.accounts.services.users import create_user
from app.asgi import create_app
from app.platform import audit
from app.platform.db import close_engine, engine_for, prepare_engine, use_engine
from tests.conftest import IS_POSTGRES, PASSWORD, _admin, _with_database, free_port, make_settings

ROLES = ("anonymous", "applicant", "expert", "staff", "admin")
MAX_EXAMPLES = 10
USERS = {
    "admin": ("admin@test.asc", "admin", None),
    "staff": ("staff@test.asc", "staff", None),
    "expert": ("expert@test.asc", "expert", None),
    "expert2": ("expert2@test.asc", "expert", None),
    "applicant": ("leader@test.asc", "applicant", "UA05020030000031457"),
    "other_leader": ("other@test.asc", "applicant", "UA05020010000053508"),
}
CRITERIA = [
    {"key": "premises", "title_uk": "Приміщення", "max_points": 10, "weight": 2},
    {"key": "capacity", "title_uk": "Спроможність", "max_points": 10},
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CASES: Counter[str] = Counter()  # cases run per role
ANSWERS: dict[str, Counter[str]] = {}  # status classes answered per role
OPERATIONS: dict[str, int] = {}  # operations fuzzed per role


class Api:
    """A synchronous client of the running server, one bearer token per role."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30)
        self.tokens: dict[str, str] = {}
        self.token_ids: dict[str, int] = {}

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        return {"authorization": f"Bearer {token}"} if token else {}

    def call(self, role: str, method: str, path: str, expect: int = 200, **kwargs) -> dict | list | None:
        response = self.http.request(method, path, headers=self.headers(role), **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def close(self) -> None:
        self.http.close()


async def _create_users(settings) -> None:
    engine = use_engine(engine_for(settings))
    await prepare_engine(engine)
    try:
        for key, (email, role, hromada) in USERS.items():
            await create_user(
                email=email, name=key.title(), role=role, password=PASSWORD, hromada_code=hromada, actor=audit.SYSTEM
            )
    finally:
        await close_engine(engine)


def _in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _round(api: Api, title: str, **extra) -> int:
    body = {
        "programme_code": "ulead",
        "title_uk": title,
        "deadline": _in_days(30),
        "quota": 1,
        "budget_minor": 100_000_000,
        "rules": {"rule": "population_min", "value": 0},
        "document_kinds": [],
        "questions": [],
        **extra,
    }
    round_id = api.call("staff", "POST", "/api/v1/rounds", 201, json=body)["id"]
    api.call("staff", "POST", f"/api/v1/rounds/{round_id}/open")
    return round_id


def _apply(api: Api, round_id: int, role: str, submit: bool = True) -> int:
    hromada = USERS[role][2]
    application = api.call(
        role, "POST", f"/api/v1/rounds/{round_id}/applications", 201, json={"hromada_code": hromada, "answers": {}}
    )
    if submit:
        api.call(role, "POST", f"/api/v1/applications/{application['id']}/submit")
        api.call("staff", "POST", f"/api/v1/applications/{application['id']}/screening", json={})
    return application["id"]


def _to_review(api: Api, round_id: int, experts: list[str], per_application: int) -> None:
    api.call("staff", "POST", f"/api/v1/rounds/{round_id}/close")
    api.call("staff", "POST", f"/api/v1/rounds/{round_id}/status", json={"status": "under_review"})
    api.call("staff", "PUT", f"/api/v1/rounds/{round_id}/criteria", json={"criteria": CRITERIA, "config": {}})
    for expert in experts:
        api.call("staff", "POST", f"/api/v1/rounds/{round_id}/experts", 201, json={"email": USERS[expert][0]})
    api.call("staff", "POST", f"/api/v1/rounds/{round_id}/assignments/auto", json={"per_application": per_application})


def _score(api: Api, expert: str, round_id: int, points: dict[int, int]) -> None:
    for assignment in api.call(expert, "GET", "/api/v1/me/assignments"):
        if assignment["round_id"] != round_id:
            continue
        review = api.call(expert, "GET", f"/api/v1/assignments/{assignment['assignment_id']}/review")
        value = points[assignment["application_id"]]
        api.call(
            expert,
            "PUT",
            f"/api/v1/assignments/{assignment['assignment_id']}/review",
            json={
                "scores": {"premises": value, "capacity": value},
                "comments": {"premises": "Добре"},
                "submit": True,
                "version": review["version"],
            },
        )


def seed(api: Api) -> None:
    """A world for every role to act on, built through the API itself."""
    for role in ("admin", "staff", "expert", "expert2", "applicant", "other_leader"):
        created = api.call(
            "anonymous", "POST", "/api/v1/auth/token", 201, json={"email": USERS[role][0], "password": PASSWORD}
        )
        api.tokens[role], api.token_ids[role] = created["token"], created["id"]
    api.call("staff", "POST", "/api/v1/programmes", 201, json={"code": "ulead", "name_uk": "U-LEAD з Європою"})
    kinds = [{"key": "council_decision", "title_uk": "Рішення ради", "types": ["pdf"]}]
    # A round in review: the expert has an assignment still to score.
    reviewing = _round(api, "Раунд у розгляді")
    _apply(api, reviewing, "applicant")
    _to_review(api, reviewing, ["expert"], per_application=1)
    # A decided round: both hromadas scored by both experts, the applicant's hromada won a project.
    decided = _round(api, "Вирішений раунд")
    mine, theirs = _apply(api, decided, "applicant"), _apply(api, decided, "other_leader")
    _to_review(api, decided, ["expert", "expert2"], per_application=2)
    for expert in ("expert", "expert2"):
        _score(api, expert, decided, {mine: 9, theirs: 4})
    api.call("staff", "POST", f"/api/v1/rounds/{decided}/selection/confirm", json={"quota": 1})
    project = api.call("staff", "GET", "/api/v1/projects", params={"round": decided})[0]["id"]
    item = api.call(
        "staff",
        "POST",
        "/api/v1/catalogue",
        201,
        json={"name_uk": "Стіл", "category": "furniture", "unit_price_minor": 500_000},
    )["id"]
    api.call("staff", "PUT", f"/api/v1/projects/{project}/package", json={"items": [{"item_id": item, "quantity": 2}]})
    api.call(
        "staff",
        "POST",
        f"/api/v1/projects/{project}/lots",
        201,
        json={"category": "furniture", "items": [{"item_id": item, "quantity": 2, "estimate_minor": 1_000_000}]},
    )
    # An open round with the applicant's draft and one of its documents.
    open_round = _round(api, "Відкритий раунд", document_kinds=kinds)
    draft = _apply(api, open_round, "applicant", submit=False)
    api.call(
        "applicant",
        "POST",
        f"/api/v1/applications/{draft}/documents",
        201,
        data={"kind": "council_decision"},
        files={"file": ("decision.pdf", PDF, "application/pdf")},
    )


class Server:
    """The app under uvicorn in a background thread; its lifespan runs in that thread's loop."""

    def __init__(self, settings) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", access_log=False
            )
        )
        self.thread = threading.Thread(target=self.server.run, name="fuzz-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fuzzing server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def api(template_database: str, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    if IS_POSTGRES:
        template = urlsplit(template_database).path.lstrip("/")
        name = f"{template.replace('_tpl_', '_fuzz_')}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        database_url = _with_database(template_database, name)
    else:
        target = root / "db.sqlite3"
        shutil.copyfile(Path(template_database.removeprefix("sqlite:///")), target)
        database_url = f"sqlite:///{target}"
    settings = make_settings(database_url, root / "data")
    server = Server(settings)  # first: creating the app sets the (cheap) password hashing of the tests
    asyncio.run(_create_users(settings))
    server.start()
    client = Api(server.url)
    try:
        seed(client)
        yield client
    finally:
        client.close()
        server.stop()
        if IS_POSTGRES:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def api_schema(api):
    schema = schemathesis.openapi.from_url(f"{api.url}/schema/openapi.json")
    # 422 is this API's answer to well-formed input that breaks a rule a schema cannot state (a wrong
    # password, a hromada code not in the registry, a deadline that passed), and 415 to a file whose
    # bytes are of a type not accepted (judged by content, which no schema describes). A schema-valid
    # request answered 400 still fails: that would mean the schema is wrong.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "422", "415"]
    return schema


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter and capture and CASES:
        counts = "; ".join(
            f"{role}: {CASES[role]} cases ({', '.join(f'{k} {v}' for k, v in sorted(ANSWERS[role].items()))}), "
            f"{OPERATIONS[role]} operations"
            for role in CASES
        )
        with capture.global_and_fixture_disabled():  # the figures for the record, also under -q
            reporter.write_line(f"schemathesis {schemathesis.__version__}: {counts}")


def bearer(token: str | None) -> AuthStorage | None:
    """The role's token as a Schemathesis auth provider: the auth checks know it for a real credential
    and can take it away (anonymous has none: Schemathesis may make up a token, which must get 401)."""
    if token is None:
        return None

    class RoleToken:
        def get(self, case, context) -> str:
            return token

        def set(self, case, data: str, context) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    storage = AuthStorage()
    storage.auth(refresh_interval=None)(RoleToken)
    return storage


def signs_itself_out(case, token_id: int | None) -> bool:
    """Revoking the very token the fuzzing runs on would leave the rest of the role's run at 401."""
    parameters = case.path_parameters or {}
    return token_id is not None and "token_id" in parameters and str(parameters["token_id"]) == str(token_id)


def fuzz_operation(operation, token: str | None, token_id: int | None, role: str) -> None:
    """Positive and negative cases, as Schemathesis generates by default, through every default check."""
    auth = bearer(token)
    # ignored_auth probes a success again without the token and with a wrong one. Like Schemathesis's own
    # runner, once per operation: enforcing auth is a property of the operation, not of the case.
    auth_check = operation.schema.config.checks.ignored_auth
    auth_check.enabled = True
    strategy = st.one_of(
        *(
            operation.as_strategy(generation_mode=mode, auth_storage=auth, headers={"accept-language": "en"})
            for mode in GenerationMode
        )
    ).filter(lambda case: not signs_itself_out(case, token_id))

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        CASES[role] += 1
        response = case.call_and_validate()
        ANSWERS.setdefault(role, Counter())[f"{response.status_code // 100}xx"] += 1
        if 200 <= response.status_code < 300:
            auth_check.enabled = False

    try:
        run()
    finally:
        auth_check.enabled = True


@pytest.mark.parametrize("role", ROLES)
def test_api_answers_every_role_as_its_schema_says(api, api_schema, role):
    failures = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            fuzz_operation(operation, api.tokens.get(role), api.token_ids.get(role), role)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every operation runs; all fail together
            failures.append(f"{operation.label}: {error}")
    OPERATIONS[role] = operations
    if role != "anonymous":  # the fuzzing did not revoke the role's own token halfway through
        assert api.http.get("/api/v1/me", headers=api.headers(role)).status_code == 200
    assert not failures, f"{len(failures)} of {operations} operations failed as {role}:\n\n" + "\n\n".join(failures)


def test_a_method_an_address_does_not_take_is_405_naming_those_it_does(api):
    response = api.http.patch("/api/v1/me", headers=api.headers("staff"))
    assert response.status_code == 405
    assert response.json()["status_code"] == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET"}


def test_an_id_beyond_what_the_database_holds_is_422_not_500(api):
    response = api.http.get(f"/api/v1/rounds/{2**80}", headers=api.headers("staff"))
    assert response.status_code == 422
    assert response.json()["detail"]


def test_a_form_field_that_is_not_utf8_text_is_400_not_500(api):
    response = api.http.post(
        "/api/v1/projects/1/opening",
        headers=api.headers("staff"),
        files={"opened_on": (None, b"2027-01-01"), "photo": (None, b"\xff\xfe\xfd not text")},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]
