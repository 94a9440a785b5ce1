"""Load the app as a real server with wrk and print one table: throughput and latency per key page and API
call, next to a bare-Litestar baseline that renders the same rows (bench/baseline.py), measured in the same run.

    .venv/bin/python -m bench.seed --reset                        # once: the "national" programme
    .venv/bin/python -m bench.run                                 # uvicorn, one worker
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.run --production --workers 2

The database is the app's (DATABASE_URL, else DATA_DIR/asc.sqlite3), seeded by bench/seed.py. Both servers run
as separate processes (`asc serve`, and bench/baseline.py under the same uvicorn settings); wrk
(`apt-get install wrk`) loads them from a third process with 16 connections. For every endpoint: a warm-up,
then the baseline, then the app, each for --duration seconds (longer for slow pages, so each figure rests
on enough requests). Then the exports are timed, with the server's peak memory while producing them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.seed import PASSWORD, STAFF_EMAIL, expert_email

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "wrk" / "request.lua"
BIN = Path(sys.executable).parent
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
RATIO_TARGET = 0.6
TAIL_TARGET = 4.0


@dataclass
class Endpoint:
    name: str
    label: str
    path: str
    user: str = "staff"  # whose session or token: "staff" or "expert"
    method: str = "GET"
    body: str = ""

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


ENDPOINTS = [
    Endpoint("hromadas", "Hromada list (oblast + type filter)", "/hromadas/?oblast={oblast}&type=rural"),
    Endpoint("api-hromadas", "  API", "/api/v1/hromadas?oblast={oblast}&type=rural"),
    Endpoint("applications", "Round's applications (staff), page 1", "/rounds/{round}/applications"),
    Endpoint("api-applications", "  API", "/api/v1/rounds/{round}/applications"),
    Endpoint("application", "Application page (staff)", "/applications/{application}"),
    Endpoint("api-application", "  API", "/api/v1/applications/{application}"),
    Endpoint("queue", "Expert's queue", "/reviews", user="expert"),
    Endpoint("api-queue", "  API", "/api/v1/me/assignments", user="expert"),
    Endpoint("scoring", "Scoring page (expert)", "/reviews/{assignment}", user="expert"),
    Endpoint("api-scoring", "  API", "/api/v1/assignments/{assignment}/review", user="expert"),
    Endpoint("ranking", "Ranking", "/rounds/{round}/ranking"),
    Endpoint("api-ranking", "  API", "/api/v1/rounds/{round}/ranking"),
    Endpoint("selection", "Selection preview", "/rounds/{round}/selection"),
    Endpoint(
        "api-selection", "  API (POST)", "/api/v1/rounds/{round}/selection", method="POST", body='{{"quota": {quota}}}'
    ),
    Endpoint("dashboard", "Procurement dashboard", "/dashboard"),
    Endpoint("api-dashboard", "  API", "/api/v1/dashboard"),
    # Pages that are not in the list but are read often.
    Endpoint("review", "Review dashboard (staff)", "/rounds/{round}/review"),
    Endpoint("projects", "Projects list", "/projects"),
    Endpoint("api-projects", "  API", "/api/v1/projects"),
    Endpoint("project", "Project page", "/projects/{project}"),
    Endpoint("api-project", "  API", "/api/v1/projects/{project}"),
    # The floor of any signed-in API call: the token checked, one small row answered.
    Endpoint("api-me", "Floor: who am I (API)", "/api/v1/me"),
]

EXPORTS = [
    ("applications.xlsx, whole programme", "/api/v1/programmes/{programme_code}/applications.xlsx"),
    ("applications.xlsx, one round", "/api/v1/rounds/{round}/applications.xlsx"),
    ("eligibility.csv, every hromada", "/api/v1/rounds/{round}/eligibility.csv"),
    ("reviews.xlsx, one round", "/api/v1/rounds/{round}/reviews.xlsx"),
    ("projects.xlsx", "/api/v1/projects.xlsx"),
]


# --- The data to ask for -------------------------------------------------------------------------------------


async def find_ids() -> dict[str, Any]:
    """Ids of the seeded programme, read through the current engine: the largest round under review, one of its
    applications, an assignment of the first expert in it, a project, an oblast."""
    from piccolo.query.methods.select import Count

    from app.accounts.tables import User
    from app.applications.tables import Application, Programme, Round
    from app.procurement.tables import Project
    from app.registry.tables import Oblast
    from app.scoring.tables import Assignment

    sizes = await (
        Application.select(Application.round, Count(alias="n"))
        .where(Application.round.status == "under_review")
        .group_by(Application.round)
    )
    if not sizes:
        raise SystemExit("error: no round under review: seed the database first (python -m bench.seed)")
    target = max(sizes, key=lambda r: (r["n"], r["round"]))
    round_ = await Round.select(Round.id, Round.quota, Round.programme).where(Round.id == target["round"]).first()
    ids = [
        r["id"]
        for r in await Application.select(Application.id)
        .where(Application.round == round_["id"])
        .order_by(Application.id)
    ]
    expert = await User.select(User.id).where(User.email == expert_email(1)).first()
    assignment = (
        await Assignment.select(Assignment.id)
        .where((Assignment.expert == expert["id"]) & (Assignment.round == round_["id"]))
        .order_by(Assignment.id)
        .first()
    )
    project = await Project.select(Project.id).order_by(Project.id).first()
    programme = await Programme.select(Programme.code).where(Programme.id == round_["programme"]).first()
    oblast = await Oblast.select(Oblast.code).order_by(Oblast.code).first()
    every_round = await Application.select(Application.round, Count(alias="n")).group_by(Application.round)
    return {
        "rounds": sorted((r["n"], r["round"]) for r in every_round),
        "round": round_["id"],
        "round_size": target["n"],
        "applications_total": await Application.count(),
        "quota": round_["quota"] or 150,
        "application": ids[len(ids) // 2],
        "assignment": assignment["id"] if assignment else 0,
        "project": project["id"] if project else 0,
        "programme_code": programme["code"],
        "oblast": oblast["code"],
        "expert_id": expert["id"],
    }


async def discover() -> dict[str, Any]:
    from app.platform.db import close_engine, engine_for, prepare_engine, use_engine
    from app.platform.settings import load_settings

    db = use_engine(engine_for(load_settings()))
    await prepare_engine(db, pool_max=2)
    try:
        return await find_ids()
    finally:
        await close_engine(db)


# --- Servers -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    ready_path: str
    log: Path
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> None:
        handle = self.log.open("wb")
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"error: {self.name} exited; its log:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.base + self.ready_path, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"error: {self.name} did not answer {self.ready_path} in {timeout:.0f} s")

    def pids(self) -> list[int]:
        """The server process and its workers."""
        if self.process is None:
            return []
        found = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) in found:
                    found.append(int(entry.name))
        return found

    def wait_idle(self, timeout: float = 180) -> None:
        """Until the server stops using CPU: wrk stops sending, but the requests it left in flight still run."""
        deadline = time.monotonic() + timeout
        last, quiet = _cpu_ticks(self.pids()), 0
        while quiet < 2 and time.monotonic() < deadline:
            time.sleep(0.25)
            now = _cpu_ticks(self.pids())
            quiet = quiet + 1 if now - last <= 2 else 0
            last = now

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _memory(pids: list[int], field_name: str) -> int:
    """The sum over processes of a /proc/<pid>/status figure (VmRSS, VmHWM), in kB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field_name + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _reset_peak(pids: list[int]) -> None:
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            pass


# --- Signing in ----------------------------------------------------------------------------------------------


def _cookie(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return ""


def sign_in(base: str, email: str) -> tuple[str, str]:
    """A session cookie for pages (through the login form and its CSRF field) and a bearer token for the API.
    Cookies are handled by hand: in production they are Secure, and this is plain HTTP on localhost."""
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/login")
        csrf = _cookie(form, "asc_csrf")
        token = CSRF_FIELD.search(form.text)
        if not (csrf and token):
            raise SystemExit("error: the login page has no CSRF cookie or field")
        client.cookies.clear()
        response = client.post(
            "/login",
            content=f"email={quote(email)}&password={quote(PASSWORD)}&_csrf_token={quote(token.group(1))}&next=/",
            headers={"content-type": "application/x-www-form-urlencoded", "cookie": f"asc_csrf={csrf}"},
        )
        session = _cookie(response, "asc_session")
        if response.status_code != 303 or not session:
            raise SystemExit(f"error: signing in as {email} failed ({response.status_code}): {response.text[:300]}")
        issued = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        if issued.status_code != 201:
            raise SystemExit(f"error: no API token for {email} ({issued.status_code}): {issued.text[:300]}")
    # A browser sends both cookies with every page it asks for.
    return f"asc_session={session}; asc_csrf={csrf}", f"Bearer {issued.json()['token']}"


# --- Load ----------------------------------------------------------------------------------------------------


@dataclass
class Result:
    requests: int = 0
    rps: float = 0.0
    p50: float = 0.0  # milliseconds
    p95: float = 0.0
    p99: float = 0.0
    errors: int = 0
    bytes_per_request: int = 0
    duration: float = 0.0
    cpu_ms: float = 0.0  # CPU time of the server's processes per request (not PostgreSQL's)
    error_kinds: dict[str, int] = field(default_factory=dict)  # wrk's connect, read, write, status, timeout


@dataclass
class Row:
    endpoint: Endpoint
    path: str
    note: str = ""
    app: Result | None = None
    baseline: Result | None = None
    single_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.app and self.baseline and self.baseline.rps:
            return self.app.rps / self.baseline.rps
        return None


def wrk(url: str, *, headers: dict[str, str], method: str, body: str, duration: float, args) -> Result:
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_BODY": body,
        "BENCH_COOKIE": headers.get("cookie", ""),
        "BENCH_AUTHORIZATION": headers.get("authorization", ""),
    }
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "120s",
        "-s",
        str(LUA),
        url,
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next((line for line in output.splitlines() if line.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise SystemExit(f"error: wrk printed no result for {url}:\n{output}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds = data["duration_us"] / 1e6
    return Result(
        requests=data["requests"],
        rps=data["requests"] / seconds if seconds else 0.0,
        p50=data["p50_us"] / 1000,
        p95=data["p95_us"] / 1000,
        p99=data["p99_us"] / 1000,
        errors=sum(data[k] for k in ("connect", "read", "write", "status", "timeout")),
        error_kinds={k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]},
        bytes_per_request=data["bytes"] // max(1, data["requests"]),
        duration=seconds,
    )


def measure(server: Server, url: str, *, headers: dict[str, str], method: str, body: str, duration: float, args):
    """wrk against ``server``, with the CPU its processes spent per request while wrk ran."""
    server.wait_idle()
    pids = server.pids()
    before = _cpu_ticks(pids)
    result = wrk(url, headers=headers, method=method, body=body, duration=duration, args=args)
    spent = (_cpu_ticks(pids) - before) / os.sysconf("SC_CLK_TCK")
    result.cpu_ms = spent * 1000 / max(1, result.requests)
    server.wait_idle()
    return result


def request_once(client: httpx.Client, endpoint: Endpoint, path: str, headers: dict[str, str]) -> httpx.Response:
    return client.request(endpoint.method, path, headers=headers, content=endpoint.body.encode() or None)


def headers_for(endpoint: Endpoint, identities: dict[str, tuple[str, str]]) -> dict[str, str]:
    cookie, bearer = identities[endpoint.user]
    headers = {"authorization": bearer} if endpoint.api else {"cookie": cookie}
    if endpoint.body:
        headers["content-type"] = "application/json"
    return headers


# --- Exports -------------------------------------------------------------------------------------------------


def time_export(server: Server, path: str, bearer: str, repeat: int) -> dict[str, Any]:
    pids = server.pids()
    times, size, peaks = [], 0, []
    with httpx.Client(base_url=server.base, timeout=600) as client:
        for _ in range(repeat):
            before = _memory(pids, "VmRSS")
            _reset_peak(pids)
            started = time.perf_counter()
            with client.stream("GET", path, headers={"authorization": bearer}) as response:
                if response.status_code != 200:
                    return {"status": response.status_code}
                size = sum(len(chunk) for chunk in response.iter_raw())
            times.append(time.perf_counter() - started)
            peaks.append((_memory(pids, "VmHWM"), before))
    peak, before = max(peaks)
    return {
        "status": 200,
        "seconds": statistics.median(times),
        "bytes": size,
        "peak_kb": peak,
        "growth_kb": peak - before,
    }


# --- Cost growth ----------------------------------------------------------------------------------------------

GROWTH_TARGET = 1.3


def growth(args, server: Server, identities: dict[str, tuple[str, str]], ids: dict[str, Any]) -> str:
    """The paginated list of the smallest and of the largest round in the database: the time of a request
    (from throughput, and in CPU) should not grow with the applications the page does not show."""
    (small, small_round), (large, large_round) = ids["rounds"][0], ids["rounds"][-1]
    lines = [
        f"Cost growth: the paginated applications list of round {large_round} ({large:,} applications) against "
        f"round {small_round} ({small:,}); target: at most {GROWTH_TARGET} × the time",
        "",
        f"{'endpoint':<34} {'applications':>12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'× time':>7}"
        f" {'× CPU':>6}  met",
    ]
    for name in ("applications", "api-applications"):
        endpoint = next(e for e in ENDPOINTS if e.name == name)
        headers = headers_for(endpoint, identities)
        measured = []
        for size, round_id in ((small, small_round), (large, large_round)):
            url = server.base + endpoint.path.format(**{**ids, "round": round_id})
            with httpx.Client(timeout=120) as client:
                for _ in range(2):
                    request_once(client, endpoint, url, headers)
            result = measure(server, url, headers=headers, method="GET", body="", duration=args.duration, args=args)
            measured.append((size, result))
        (_, first), (_, second) = measured
        times = first.rps / second.rps if second.rps else float("inf")
        cpu = second.cpu_ms / first.cpu_ms if first.cpu_ms else float("inf")
        for size, result in measured:
            last = result is second
            lines.append(
                f"{(endpoint.path if not last else ''):<34} {size:>12,} {result.rps:>8.1f} {_ms(result.p50):>8} "
                f"{_ms(result.p99):>8} {_ms(result.cpu_ms):>7}"
                + (f" {times:>7.2f} {cpu:>6.2f}  {'yes' if times <= GROWTH_TARGET else 'NO'}" if last else "")
            )
    return "\n".join(lines)


# --- The table -----------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def render(rows: list[Row], exports: list[tuple[str, str, dict[str, Any]]], meta: dict[str, Any]) -> str:
    lines = [
        f"ASC Rounds benchmark: {meta['database']}, {meta['server']}; wrk {meta['connections']} connections, "
        f"{meta['duration']} s per measurement (longer for slow pages)",
        f"Data: round {meta['ids']['round']} with {meta['ids']['round_size']:,} applications "
        f"({meta['ids']['applications_total']:,} in the database); ratio = app req/s ÷ baseline req/s "
        f"(bare Litestar, same template and rows, no middleware, no database); targets: ratio ≥ {RATIO_TARGET}, "
        f"p99 < {TAIL_TARGET:g} × p50, no errors; CPU ms: the server processes' CPU time per request (for the "
        f"app with SQLite's work, without PostgreSQL's own processes); CPU ratio = base CPU ÷ app CPU, the same "
        f"comparison less disturbed by other load on the machine",
        "",
    ]
    header = (
        f"{'endpoint':<40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p99/p50':>7} {'errors':>6} "
        f"{'n':>6} {'KB':>7} {'CPU ms':>7} {'base req/s':>10} {'base CPU':>8} {'ratio':>6} {'CPU ratio':>9}  met"
    )
    lines += [header, "-" * len(header)]
    for row in rows:
        label = row.endpoint.label
        if row.app is None:
            lines.append(f"{label:<40} {row.note}")
            continue
        app, base = row.app, row.baseline
        tail = app.p99 / app.p50 if app.p50 else 0
        ratio = row.ratio
        met = ratio is not None and ratio >= RATIO_TARGET and tail < TAIL_TARGET and app.platform.errors == 0
        lines.append(
            f"{label:<40} {app.rps:>8.1f} {_ms(app.p50):>8} {_ms(app.p95):>8} {_ms(app.p99):>8} {tail:>7.2f} "
            f"{app.platform.errors:>6} {app.requests:>6} {app.bytes_per_request / 1024:>7.1f} {_ms(app.cpu_ms):>7} "
            f"{(base.rps if base else 0):>10.1f} {_ms(base.cpu_ms if base else 0):>8} {(ratio or 0):>6.2f} "
            f"{(base.cpu_ms / app.cpu_ms if base and app.cpu_ms else 0):>9.2f}  "
            f"{'yes' if met else 'NO'}"
            + (f"  {row.note}" if row.note else "")
            + (f"  errors: {app.error_kinds}" if app.error_kinds else "")
        )
    lines.append("")
    lines.append(f"{'export':<40} {'seconds':>8} {'size MB':>8} {'server peak RSS MB':>19} {'growth MB':>10}")
    for label, path, result in exports:
        if result.get("status") != 200:
            lines.append(f"{label:<40} not available ({result.get('status')}): {path}")
            continue
        lines.append(
            f"{label:<40} {result['seconds']:>8.2f} {result['bytes'] / 1e6:>8.2f} {result['peak_kb'] / 1024:>19.0f} "
            f"{result['growth_kb'] / 1024:>10.0f}"
        )
    return "\n".join(lines)


# --- Main ----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the key pages and API calls against a baseline")
    parser.add_argument("--duration", type=float, default=5, help="seconds per measurement (default 5)")
    parser.add_argument("--max-duration", type=float, default=30, help="the longest measurement for slow pages")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (app and baseline)")
    parser.add_argument("--production", action="store_true", help="APP_ENV=production with SECRET_KEY, ALLOWED_HOSTS")
    parser.add_argument("--only", default="", help="comma-separated endpoint names (see ENDPOINTS)")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--json", default="", help="also write the results to this JSON file")
    parser.add_argument(
        "--growth", action="store_true", help="only compare the applications list of the smallest and largest round"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("error: wrk is not installed (apt-get install -y wrk)")

    from app.platform.settings import load_settings

    settings = load_settings()
    ids = asyncio.run(discover())
    work = Path(tempfile.mkdtemp(prefix="asc-bench-"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    app_port, baseline_port = free_port(), free_port()
    if args.production:
        env.update(
            APP_ENV="production",
            SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
            # The Host header carries the port; the baseline's in-process capture asks for plain 127.0.0.1.
            ALLOWED_HOSTS=f"127.0.0.1:{app_port},localhost:{app_port},127.0.0.1",
        )
    app_server = Server(
        "the app",
        [str(BIN / "asc"), "serve", "--host", "127.0.0.1", "--port", str(app_port), "--workers", str(args.workers)],
        env,
        app_port,
        "/health",
        work / "app.log",
    )
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    endpoints = [e for e in ENDPOINTS if not wanted or e.name in wanted]
    rows: list[Row] = []
    exports: list[tuple[str, str, dict[str, Any]]] = []
    baseline: Server | None = None
    try:
        app_server.start()
        identities = {
            "staff": sign_in(app_server.base, STAFF_EMAIL),
            "expert": sign_in(app_server.base, expert_email(1)),
        }
        if args.growth:
            print(growth(args, app_server, identities, ids))
            return 0
        with httpx.Client(base_url=app_server.base, timeout=120) as client:
            for endpoint in endpoints:
                path = endpoint.path.format(**ids)
                endpoint.body = endpoint.body.format(**ids)
                row = Row(endpoint, path)
                headers = headers_for(endpoint, identities)
                response = request_once(client, endpoint, path, headers)
                if response.status_code in (404, 405):
                    row.note = f"not available yet: {response.status_code} at {path}"
                elif response.status_code != 200:
                    row.note = f"answers {response.status_code} at {path}: {response.text[:120]!r}"
                else:
                    timings = []
                    for _ in range(3):
                        started = time.perf_counter()
                        request_once(client, endpoint, path, headers)
                        timings.append(time.perf_counter() - started)
                    row.single_ms = min(timings) * 1000
                rows.append(row)
        measured = [row for row in rows if not row.note]
        spec = [
            {
                "name": row.endpoint.name,
                "method": row.endpoint.method,
                "path": row.path,
                "headers": headers_for(row.endpoint, identities),
                "body": row.endpoint.body,
            }
            for row in measured
        ]
        spec_file = work / "spec.json"
        spec_file.write_text(json.dumps(spec))
        baseline = Server(
            "the baseline",
            [
                sys.executable,
                "-m",
                "bench.baseline",
                "--spec",
                str(spec_file),
                "--port",
                str(baseline_port),
                "--workers",
                str(args.workers),
            ],
            env,
            baseline_port,
            f"/baseline/{measured[0].endpoint.name}" if measured else "/",
            work / "baseline.log",
        )
        baseline.start(timeout=300)
        for row in measured:
            endpoint = row.endpoint
            # Enough time for some twenty rounds of the 16 connections on a slow page (up to --max-duration).
            expected = 20 * args.connections * row.single_ms / 1000 / args.workers
            duration = min(args.max_duration, max(args.duration, expected))
            app_url = app_server.base + row.path
            base_url = f"{baseline.base}/baseline/{endpoint.name}"
            headers = headers_for(endpoint, identities)
            with httpx.Client(timeout=300) as client:  # warm-up: templates compiled, caches filled
                for _ in range(2):
                    request_once(client, endpoint, base_url, {})
                    request_once(client, endpoint, app_url, headers)
            row.baseline = measure(
                baseline, base_url, headers={}, method=endpoint.method, body=endpoint.body, duration=duration, args=args
            )
            row.app = measure(
                app_server,
                app_url,
                headers=headers,
                method=endpoint.method,
                body=endpoint.body,
                duration=duration,
                args=args,
            )
            print(
                f"  {endpoint.name:<18} app {row.app.rps:7.1f} req/s  baseline {row.baseline.rps:7.1f} req/s",
                file=sys.stderr,
                flush=True,
            )
        baseline.stop()
        baseline = None
        if not args.skip_exports:
            bearer = identities["staff"][1]
            for label, template in EXPORTS:
                path = template.format(**ids)
                exports.append((label, path, time_export(app_server, path, bearer, repeat=3)))
    finally:
        if baseline:
            baseline.stop()
        app_server.stop()
    database = f"PostgreSQL ({settings.database_url})" if settings.is_postgres else f"SQLite ({settings.sqlite_path})"
    meta = {
        "database": database,
        "server": f"uvicorn, {args.workers} worker{'s' if args.workers > 1 else ''}"
        + (", APP_ENV=production" if args.production else ""),
        "connections": args.connections,
        "duration": args.duration,
        "ids": ids,
    }
    table = render(rows, exports, meta)
    print(table)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "meta": meta,
                    "rows": [
                        {
                            "name": r.endpoint.name,
                            "path": r.path,
                            "note": r.note,
                            "app": r.app.__dict__ if r.app else None,
                            "baseline": r.baseline.__dict__ if r.baseline else None,
                            "ratio": r.ratio,
                        }
                        for r in rows
                    ],
                    "exports": [{"label": label, "path": path, **result} for label, path, result in exports],
                    "table": table,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
