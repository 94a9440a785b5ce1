"""The browser journey's fixtures: the app as a real server process, headless Chromium, and the checks.

The server runs ``python -m app.cli serve`` on a free loopback port with its own DATA_DIR and database: a
SQLite file, or, when DATABASE_URL names PostgreSQL, a database of its own (``<db>_e2e_<pid>``) created,
migrated and dropped here. Chromium is Debian's (/usr/bin/chromium), driven by Playwright for Python; no
browser is ever downloaded. axe-core comes from the npm registry (tests/e2e/package.json).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import BASE_DATABASE_URL, IS_POSTGRES, PASSWORD, SECRET, _admin, _with_database, free_port
from tests.e2e.helpers import ARTIFACTS, AXE_SCRIPT, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = "app/registry/data/hromadas.csv"
ADMIN_EMAIL = "admin@e2e.asc"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: the browser journey (headless Chromium against a real server)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in item.nodeid.replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item, so a fixture can tell a failed test at its teardown."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _missing() -> str:
    """What the journey needs and this machine lacks ("" when nothing)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright Python package (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"Chromium at {CHROMIUM} (apt-get install -y chromium)"
    if not AXE_SCRIPT.exists():
        return f"axe-core at {AXE_SCRIPT} (npm ci --prefix tests/e2e)"
    return ""


@pytest.fixture(scope="session", autouse=True)
def _requirements() -> None:
    missing = _missing()
    if missing:
        # CI (.ci/run) sets ASC_E2E_REQUIRED: there a missing browser fails the run instead of skipping it.
        if os.environ.get("ASC_E2E_REQUIRED"):
            pytest.fail(f"the browser journey needs {missing}")
        pytest.skip(f"the browser journey needs {missing}")


def _admin_sql(sql: str) -> None:
    """One statement on the PostgreSQL server, from a thread of its own: Playwright's sync API keeps an
    event loop running in the test's thread, where asyncio.run is not allowed."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _admin(sql)).result(timeout=120)


class Server:
    """``asc serve`` in its own process with its own data folder and database."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = ARTIFACTS / "e2e-server.log"
        self.pg_name = ""
        if IS_POSTGRES:
            base = urlsplit(BASE_DATABASE_URL).path.lstrip("/") or "test"
            self.pg_name = f"{base}_e2e_{os.getpid()}"
            self.database_url = _with_database(BASE_DATABASE_URL, self.pg_name)
        else:
            self.database_url = f"sqlite:///{data_dir / 'e2e.sqlite3'}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "STORAGE", "REDIS_URL")},
            "APP_ENV": "test",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": SECRET,
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "1024",
            "PYTHONUNBUFFERED": "1",
        }

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"asc {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def prepare(self) -> None:
        if self.pg_name:
            _admin_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            _admin_sql(f'CREATE DATABASE "{self.pg_name}"')
        self.cli("migrate")
        self.cli("import-hromadas", REGISTRY)
        self.cli(
            "users", "create", "--email", ADMIN_EMAIL, "--name", "Адміністратор E2E", "--role", "admin", stdin=PASSWORD
        )

    def start(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start-up; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer /health within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            self.process = None
            self.log.close()
        if self.pg_name:
            _admin_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory):
    running = Server(tmp_path_factory.mktemp("e2e"))
    try:
        running.prepare()
        running.start()
        yield running
    finally:
        running.stop()


class Api:
    """Set-up the journey does not list as a page step: accounts, a programme, a look into the registry."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30, headers={"accept-language": "en"})
        answer = self.http.post("/api/v1/auth/token", json={"email": ADMIN_EMAIL, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        self.http.headers["authorization"] = f"Bearer {answer.json()['token']}"

    def user(self, email: str, name: str, role: str, hromada: str | None = None) -> dict:
        answer = self.http.post(
            "/api/v1/users",
            json={"email": email, "name": name, "role": role, "password": PASSWORD, "hromada_code": hromada},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def programme(self, code: str, name_uk: str, name_en: str) -> None:
        answer = self.http.post("/api/v1/programmes", json={"code": code, "name_uk": name_uk, "name_en": name_en})
        assert answer.status_code in (201, 409), answer.text

    def hromadas(self, **filters: str) -> list[dict]:
        found, offset = [], 0
        while True:
            answer = self.http.get("/api/v1/hromadas", params={**filters, "limit": 500, "offset": offset})
            assert answer.status_code == 200, answer.text
            page = answer.json()
            found.extend(page["items"])
            offset += page["limit"]
            if offset >= page["total"]:
                return found


@pytest.fixture(scope="package")
def api(server: Server):
    client = Api(server.url)
    yield client
    client.http.close()


@pytest.fixture(scope="package")
def browser():
    """Chromium for the tests of this package, stopped when they are done: Playwright's sync API keeps an
    event loop running on the main thread while it is started, which the async tests that may come after
    could not share."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
