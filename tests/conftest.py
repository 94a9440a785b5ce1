"""Fresh databases for every test: SQLite by default, PostgreSQL when DATABASE_URL says so.

The schema is migrated and the registry imported once per run into a template; each test gets a
copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests never share state.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

os.environ.setdefault("APP_ENV", "test")
BASE_DATABASE_URL = os.environ.get("DATABASE_URL", "")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DATA_DIR", str(Path(__file__).resolve().parent / ".data"))

from app.accounts.services.users import create_user  # noqa: E402
from app.asgi import create_app  # noqa: E402
from app.platform import audit  # noqa: E402
from app.platform.db import close_engine, engine_for, migrate, prepare_engine, use_engine  # noqa: E402
from app.platform.settings import Settings, load_settings  # noqa: E402
from app.registry.services.imports import BUNDLED_REGISTRY, import_registry_file  # noqa: E402

IS_POSTGRES = BASE_DATABASE_URL.startswith(("postgres://", "postgresql://"))
SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct-horse-battery"


def make_settings(database_url: str, data_dir: Path, **env: str) -> Settings:
    values = {
        "APP_ENV": "test",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        # Cheap hashing keeps the suite fast; production uses argon2's defaults.
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
    }
    values.update(env)
    return load_settings(values)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(BASE_DATABASE_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _build_template(settings: Settings) -> None:
    engine = use_engine(engine_for(settings))
    await prepare_engine(engine)
    try:
        await migrate()
        await import_registry_file(BUNDLED_REGISTRY, actor=audit.SYSTEM)
    finally:
        await close_engine(engine)


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("template")
    if IS_POSTGRES:
        base_name = urlsplit(BASE_DATABASE_URL).path.lstrip("/") or "test"
        name = f"{base_name}_tpl_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        url = _with_database(BASE_DATABASE_URL, name)
        asyncio.run(_build_template(make_settings(url, root)))
        yield url
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = root / "template.sqlite3"
        asyncio.run(_build_template(make_settings(f"sqlite:///{path}", root)))
        yield f"sqlite:///{path}"


_counter = iter(range(1_000_000))


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> str:
    if IS_POSTGRES:
        template = urlsplit(template_database).path.lstrip("/")
        name = f"{template.replace('_tpl_', '_t_')}_{next(_counter)}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield _with_database(BASE_DATABASE_URL, name)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        source = Path(template_database.removeprefix("sqlite:///"))
        target = tmp_path / "db.sqlite3"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "data")


@pytest.fixture
async def app(settings: Settings):
    application = create_app(settings)
    # The start-up and shut-down hooks, called directly: pytest-asyncio tears a fixture down in
    # another task, which Litestar's lifespan context (an anyio task group) does not allow.
    for hook in application.on_startup:
        await hook(application)
    yield application
    for hook in application.on_shutdown:
        await hook(application)


def client_for(application, address: str = "198.51.100.7") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application, client=(address, 40000)),
        base_url="http://testserver",
        follow_redirects=False,
    )


@pytest.fixture
async def client(app):
    async with client_for(app) as http:
        yield http


@pytest.fixture
async def users(app) -> dict[str, dict]:
    """One account per role, plus a leader of a second hromada."""
    specs = {
        "admin": ("admin@test.asc", "admin", None),
        "staff": ("staff@test.asc", "staff", None),
        "expert": ("expert@test.asc", "expert", None),
        "leader": ("leader@test.asc", "applicant", "UA05020030000031457"),
        "other_leader": ("other@test.asc", "applicant", "UA05020010000053508"),
    }
    created = {}
    for key, (email, role, hromada) in specs.items():
        created[key] = await create_user(
            email=email, name=key.title(), role=role, password=PASSWORD, hromada_code=hromada, actor=audit.SYSTEM
        )
    return created


CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(http: httpx.AsyncClient, path: str = "/login") -> str:
    page = await http.get(path)
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = await csrf_token(http)
    return await http.post("/login", data={"email": email, "password": password, "_csrf_token": token, "next": "/"})


async def api_token(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await http.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


class MotoServer:
    """moto's S3 server as a separate process, spoken to over HTTP like any S3 endpoint."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        moto = Path(sys.executable).parent / "moto_server"
        self.process = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer()
    server.start()
    yield server
    server.stop()
