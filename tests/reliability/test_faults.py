"""Faults: the document store dying during an upload, PostgreSQL restarting under load, a writer killed with
SIGKILL in the middle of its writes. Each leaves the data whole and the user with an answer, not a crash.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import boto3
import httpx
import pytest

from app.applications.forms import DEFAULT_DOCUMENT_KINDS
from app.applications.services import drafts
from app.applications.tables import Application, ApplicationRevision
from app.asgi import create_app
from app.platform import audit
from app.platform.db import close_engine, prepare_engine
from app.platform.storage import S3Storage
from app.platform.tables import AuditEntry, StoredDocument
from tests.conftest import IS_POSTGRES, SECRET, MotoServer, client_for, free_port
from tests.integration.applications.conftest import COMPLETE_ANSWERS
from tests.reliability.conftest import bearer, hromada_codes, make_round, make_user

PDF_HEAD = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
UNAVAILABLE = "database is unavailable"


def pdf(size: int, seed: int = 0) -> bytes:
    body = bytes((seed + i) % 251 for i in range(size))
    return PDF_HEAD + body + b"\n%%EOF\n"


# --- (a) The S3 server dies in the middle of an upload ---------------------------------------------------


class CuttingProxy:
    """A TCP proxy in front of moto's S3 server. Once armed, the first request that uploads (PUT) is let
    through half-way, then the S3 server is killed and the connection dropped: the server dies while the
    upload is in flight. Disarmed, it only forwards."""

    def __init__(self, target: MotoServer, cut_after: int) -> None:
        self.target = target
        self.cut_after = cut_after
        self.armed = False
        self.cuts = 0
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target.port), timeout=5)
        except OSError:
            client.close()  # the S3 server is down: the client sees the connection drop
            return
        back = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        back.start()
        sent, first = 0, b""
        try:
            while chunk := client.recv(65536):
                first = first or chunk[:8]
                if self.armed and first.startswith(b"PUT ") and sent + len(chunk) > self.cut_after:
                    upstream.sendall(chunk[: max(0, self.cut_after - sent)])
                    self.armed = False
                    self.cuts += 1
                    self.target.process.kill()  # the S3 server dies with the upload half-way in
                    self.target.process.wait(timeout=10)
                    self.target.process = None
                    break
                upstream.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass

    def close(self) -> None:
        self.stopping = True
        self.listener.close()
        self.thread.join(timeout=5)


def s3(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )


@pytest.fixture
def s3_behind_proxy():
    moto = MotoServer()
    moto.start()
    proxy = CuttingProxy(moto, cut_after=256 * 1024)
    yield moto, proxy
    proxy.close()
    moto.stop()


async def _draft_state(http, application_id: int, token: str) -> dict:
    body = (await http.get(f"/api/v1/applications/{application_id}", headers=bearer(token))).json()
    records = await StoredDocument.select(StoredDocument.id, StoredDocument.key, StoredDocument.sha256).order_by(
        StoredDocument.id
    )
    return {
        "answers": body["answers"],
        "revision": body["revision"],
        "status": body["status"],
        "documents": body["documents"],
        "records": records,
        "audit": await AuditEntry.count(),
    }


async def test_s3_dying_during_an_upload_answers_503_leaves_the_draft_as_it_was_and_a_retry_works(
    settings, s3_behind_proxy
):
    moto, proxy = s3_behind_proxy
    bucket = f"asc-faults-{uuid.uuid4().hex[:12]}"
    s3(moto.endpoint).create_bucket(Bucket=bucket)
    storage = S3Storage(
        bucket=bucket,
        endpoint_url=proxy.endpoint,
        access_key_id="t",
        secret_access_key="t",
        connect_timeout=1,
        read_timeout=3,
    )
    application = create_app(settings, storage=storage)
    for hook in application.on_startup:
        await hook(application)
    try:
        round_id = await make_round(document_kinds=DEFAULT_DOCUMENT_KINDS)
        (code,) = await hromada_codes(1)
        _leader, token = await make_user("leader@faults.asc", "applicant", code)
        async with client_for(application) as http:
            created = await http.post(
                f"/api/v1/rounds/{round_id}/applications",
                json={"hromada_code": code, "answers": COMPLETE_ANSWERS},
                headers=bearer(token),
            )
            assert created.status_code == 201, created.text
            application_id = created.json()["id"]
            url = f"/api/v1/applications/{application_id}/documents"

            def upload(data: bytes, name: str):
                return http.post(
                    url,
                    data={"kind": "council_decision"},
                    files={"file": (name, data, "application/pdf")},
                    headers=bearer(token),
                )

            first = await upload(pdf(50_000, seed=1), "Рішення ради.pdf")
            assert first.status_code == 201, first.text
            before = await _draft_state(http, application_id, token)

            # The replacement upload: moto is killed when half of its 1 MB has gone through.
            proxy.armed = True
            started = time.monotonic()
            refused = await upload(pdf(1_000_000, seed=2), "Рішення ради (нове).pdf")
            assert time.monotonic() - started < 20
            assert proxy.cuts == 1, "the upload never reached the S3 server"
            assert refused.status_code == 503, refused.text
            assert "storage is unavailable" in refused.json()["detail"]
            assert "Nothing was saved" in refused.json()["detail"]
            assert await _draft_state(http, application_id, token) == before

            # While the server stays down, a further try is refused the same way.
            again = await upload(pdf(10_000, seed=3), "Рішення ради (нове).pdf")
            assert again.status_code == 503, again.text
            assert await _draft_state(http, application_id, token) == before

            # The S3 server comes back (moto starts empty, so the bucket is made again): the retry works.
            moto.start()
            s3(moto.endpoint).create_bucket(Bucket=bucket)
            replacement = pdf(1_000_000, seed=2)
            retried = await upload(replacement, "Рішення ради (нове).pdf")
            assert retried.status_code == 201, retried.text
            after = await _draft_state(http, application_id, token)
            assert after["answers"] == before["answers"] and after["revision"] == before["revision"]
            assert [d["kind"] for d in after["documents"]] == ["council_decision"]
            assert after["documents"][0]["id"] == retried.json()["id"] != first.json()["id"]
            content = await http.get(f"{url}/{retried.json()['id']}", headers=bearer(token))
            assert content.status_code == 200 and content.content == replacement
            keys = [o["Key"] for o in s3(moto.endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])]
            assert keys == [after["records"][0]["key"]]  # nothing unaccounted for in the bucket
    finally:
        for hook in application.on_shutdown:
            await hook(application)


# --- (b) PostgreSQL restarts under load --------------------------------------------------------------------


def _postgres_cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql"))
    return versions[-1], "main"


def _pg_ctl(action: str) -> None:
    version, cluster = _postgres_cluster()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, action],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _wait_for_postgres(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not come back")


@pytest.mark.skipif(not IS_POSTGRES, reason="restarts PostgreSQL: only with DATABASE_URL=postgresql://...")
async def test_postgres_restarting_under_load_fails_requests_cleanly_and_the_app_recovers_by_itself(app, live_server):
    round_id = await make_round()
    (code,) = await hromada_codes(1)
    leader, token = await make_user("leader@faults.asc", "applicant", code)
    created = await drafts.create_application(
        round_id=round_id, hromada_code=code, answers={}, user=leader, actor=leader.actor()
    )
    application_id = created["id"]
    staff, _staff_token = await make_user("staff@faults.asc", "staff")
    session = await app.state.sessions.start(staff.id)  # a signed-in page: its user is looked up per request
    server = live_server()
    results: list[tuple[float, str, int, str, float]] = []  # (start, kind, status, body, seconds)
    stop = asyncio.Event()

    async def load(kind: str, worker: int) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            n = 0
            while not stop.is_set():
                n += 1
                started = time.monotonic()
                try:
                    if kind == "read":
                        response = await http.get(f"/api/v1/applications/{application_id}", headers=bearer(token))
                    elif kind == "write":
                        response = await http.patch(
                            f"/api/v1/applications/{application_id}",
                            json={"answers": {"premises": f"Приміщення, редакція {worker}-{n}"}},
                            headers=bearer(token),
                        )
                    else:
                        response = await http.get(
                            "/", headers={"accept-language": "en", "cookie": f"asc_session={session}"}
                        )
                    results.append((started, kind, response.status_code, response.text, time.monotonic() - started))
                except httpx.TransportError as exc:  # the server process itself failing would show here
                    results.append((started, kind, -1, repr(exc), time.monotonic() - started))
                await asyncio.sleep(0.01)

    workers = [asyncio.create_task(load(kind, i)) for i, kind in enumerate(["read", "read", "write", "write", "page"])]
    try:
        await asyncio.sleep(1)
        restart_started = time.monotonic()
        await asyncio.to_thread(_pg_ctl, "restart")
        await asyncio.to_thread(_wait_for_postgres)
        restart_ended = time.monotonic()
        # Requests go on; the app must come back on its own, without a restart.
        recovered_at = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            recent = [r for r in results if r[0] > time.monotonic() - 2]
            if recent and all(r[2] == 200 for r in recent) and time.monotonic() - restart_ended > 3:
                recovered_at = time.monotonic()
                break
    finally:
        stop.set()
        await asyncio.gather(*workers, return_exceptions=True)
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode != 0:
            await asyncio.to_thread(_pg_ctl, "start")
        await asyncio.to_thread(_wait_for_postgres)

    statuses = Counter((kind, status) for _s, kind, status, _b, _t in results)
    failures = [r for r in results if r[2] != 200]
    assert server.process.poll() is None, "the server process died"
    assert failures, f"no request noticed the restart: {statuses}"
    for _started, kind, status, body, _seconds in failures:
        assert status == 503, f"{kind}: {status} {body}\n{server.log_text()[-3000:]}"
        if kind == "page":
            assert "Temporarily unavailable" in body and "The database is unavailable right now" in body, body
        else:
            assert UNAVAILABLE in body, body
    slowest = max(seconds for *_rest, seconds in results)
    assert slowest < 15, f"a request hung for {slowest:.1f}s"
    assert recovered_at is not None, f"the app did not recover: {statuses}"
    # The data is whole: every revision has its row, every save its audit entry.
    engine = app.state.engine
    await close_engine(engine)  # the test's own pool lost its connections to the restart too
    await prepare_engine(engine)
    await _check_applications_whole([application_id])
    last_failure = max(started + seconds for started, _k, status, _b, seconds in results if status != 200)
    print(
        f"\nPostgreSQL restart took {restart_ended - restart_started:.1f}s; {len(results)} requests during the test: "
        f"{dict(statuses)}; the last 503 ended {last_failure - restart_ended:+.1f}s from PostgreSQL being ready"
    )


# --- (c) A writer killed with SIGKILL mid-write -----------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import asyncio, os, sys

    from app.accounts.services.users import load_user
    from app.applications.services import drafts
    from app.platform.db import engine_for, prepare_engine, use_engine
    from app.platform.settings import load_settings


    async def main(pairs):
        engine = use_engine(engine_for(load_settings()))
        await prepare_engine(engine)

        async def worker(application_id, user_id):
            user = await load_user(user_id)
            n = 0
            while True:
                n += 1
                # Unique across the writer's runs: a run's first save must differ from the last of the run
                # before (identical answers are no change, hence no revision, yet they would be acknowledged).
                answers = {"premises": f"Редакція {os.getpid()}-{n}: " + "текст " * 200, "staff_count": str(n)}
                await drafts.save_answers(
                    application_id=application_id, answers=answers, user=user, actor=user.actor("writer")
                )
                print(application_id, n, flush=True)

        await asyncio.gather(*(worker(a, u) for a, u in pairs))


    pairs = [tuple(map(int, pair.split(":"))) for pair in sys.argv[1:]]
    asyncio.run(main(pairs))
    """
)


async def _check_applications_whole(application_ids: list[int]) -> dict[int, int]:
    """Every application's revision number equals its count of stored revisions (1..n, none missing), its
    answers are those of its last revision, and its saves have exactly one audit entry each."""
    import json

    revisions = {}
    for application_id in application_ids:
        row = await Application.select().where(Application.id == application_id).first()
        stored = (
            await ApplicationRevision.select()
            .where(ApplicationRevision.application == application_id)
            .order_by(ApplicationRevision.revision)
        )
        assert [r["revision"] for r in stored] == list(range(1, row["revision"] + 1)), (row["revision"], len(stored))

        def load(value):
            return json.loads(value) if isinstance(value, str) else value

        assert load(stored[-1]["answers"]) == load(row["answers"])
        saves = await AuditEntry.count().where(
            (AuditEntry.action == "application.save") & (AuditEntry.object_id == str(application_id))
        )
        assert saves == row["revision"] - 1, (saves, row["revision"])
        revisions[application_id] = row["revision"]
    orphans = [
        e
        for e in await AuditEntry.select(AuditEntry.object_id).where(AuditEntry.object_type == "application")
        if not await Application.exists().where(Application.id == int(e["object_id"]))
    ]
    assert not orphans, f"audit entries about applications that do not exist: {orphans}"
    return revisions


async def test_a_writer_killed_mid_write_leaves_the_database_consistent(app, settings, tmp_path):
    round_id = await make_round()
    pairs = []
    for index, code in enumerate(await hromada_codes(3)):
        leader, _token = await make_user(f"leader{index}@faults.asc", "applicant", code)
        created = await drafts.create_application(
            round_id=round_id, hromada_code=code, answers={}, user=leader, actor=leader.actor()
        )
        pairs.append((created["id"], leader.id))
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": SECRET,
    }
    killed_after = []
    for attempt in range(3):  # three kills at different moments, each after a different number of writes
        process = subprocess.Popen(
            [sys.executable, str(script), *[f"{a}:{u}" for a, u in pairs]],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            target, done = 40 + 25 * attempt, 0
            while done < target:
                line = await asyncio.to_thread(process.stdout.readline)
                assert line, f"the writer stopped: {process.stderr.read()}"
                done += 1
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            killed_after.append(done)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    if not IS_POSTGRES:
        with sqlite3.connect(settings.sqlite_path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    revisions = await _check_applications_whole([a for a, _u in pairs])
    assert sum(revisions.values()) - len(pairs) >= sum(killed_after)  # every acknowledged write is there

    # The database takes writes again at once: no lock was left behind by the killed process.
    application_id, user_id = pairs[0]
    from app.accounts.services.users import load_user

    user = await load_user(user_id)
    saved = await asyncio.wait_for(
        drafts.save_answers(
            application_id=application_id, answers={"premises": "Після збою"}, user=user, actor=audit.SYSTEM
        ),
        timeout=20,
    )
    assert saved["revision"] == revisions[application_id] + 1
    await _check_applications_whole([application_id])
    print(f"\nwriter killed 3 times, after {killed_after} acknowledged saves; revisions now {revisions}")


# --- How a database error reaches the user, wherever it is raised ------------------------------------------


DATABASE_ERRORS = [
    (sqlite3.OperationalError("database is locked"), 503),
    (ConnectionRefusedError(111, "Connection refused"), 503),
    (OSError("Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 5432)"), 503),
    (TimeoutError(), 503),
    (asyncpg.CannotConnectNowError("the database system is shutting down"), 503),
    (asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"), 503),
    (asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"), 503),
    (asyncpg.InterfaceError("cannot perform operation: another operation is in progress"), 500),  # a bug
    (sqlite3.OperationalError("no such table: app_user"), 500),  # a bug, not an outage
    (PermissionError(13, "Permission denied"), 500),
]


async def test_a_database_outage_in_the_auth_middleware_answers_503_in_the_request_language(app, client, monkeypatch):
    import app.accounts.auth as auth

    session = await app.state.sessions.start(1)
    for error, status in DATABASE_ERRORS:

        async def failing(*_args, error=error, **_kwargs):
            raise error

        monkeypatch.setattr(auth, "user_for_token", failing)
        monkeypatch.setattr(auth, "load_user", failing)
        api = await client.get(
            "/api/v1/applications/mine", headers={"authorization": "Bearer asc_x", "accept-language": "en"}
        )
        page = await client.get("/", headers={"accept-language": "en", "cookie": f"asc_session={session}"})
        page_uk = await client.get("/", headers={"accept-language": "uk", "cookie": f"asc_session={session}"})

        assert (api.status_code, page.status_code, page_uk.status_code) == (status, status, status), repr(error)
        if status == 503:
            assert api.json()["detail"] == "The database is unavailable right now. Please try again in a few minutes."
            assert "Temporarily unavailable" in page.text and "The database is unavailable right now" in page.text
            assert "База даних зараз недоступна" in page_uk.text
        else:
            assert "Something went wrong on our side" in api.json()["detail"], repr(error)
