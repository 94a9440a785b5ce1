"""Profile the real server under load: py-spy samples `asc serve` (one worker) while wrk drives one page or call.

    .venv/bin/pip install py-spy
    DATA_DIR=/tmp/bench .venv/bin/python -m bench.spy /applications/2501
    DATA_DIR=/tmp/bench .venv/bin/python -m bench.spy /api/v1/me/assignments --user expert --seconds 15

Where bench/profile.py shows one request in-process, this shows where a loaded server spends its CPU: the HTTP
server, the middleware, thread hand-offs, logging, the garbage collector. It found Litestar running every
plain-function guard in a worker thread, which the in-process profile showed as waiting, not as work. Prints the
functions by their own share of the samples, then by their share including what they call (py-spy's --gil:
only samples where the worker holds the GIL, that is, runs Python).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.run import BIN, LUA, ROOT, Server, free_port, sign_in
from bench.seed import STAFF_EMAIL, expert_email


def summarise(raw: Path, top: int) -> str:
    """py-spy's raw output (one collapsed stack and its count a line) as two rankings of functions."""
    own: collections.Counter[str] = collections.Counter()
    including: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[frames[-1]] += samples
        for name in {frame.split(" (")[0] for frame in frames}:
            including[name] += samples
    if not total:
        return "no samples (is the path right, and py-spy allowed to attach?)"
    lines = [f"{total} samples", "", "own time"]
    lines += [f"{n / total * 100:5.1f} %  {frame[:140]}" for frame, n in own.most_common(top)]
    lines += ["", "including what it calls"]
    lines += [f"{n / total * 100:5.1f} %  {name[:140]}" for name, n in including.most_common(top + 10)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="py-spy on the real server while wrk loads one path")
    parser.add_argument("path")
    parser.add_argument("--user", choices=["staff", "expert"], default="staff")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("error: py-spy is not installed (.venv/bin/pip install py-spy)")
    if shutil.which("wrk") is None:
        raise SystemExit("error: wrk is not installed (apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="asc-spy-"))
    port = free_port()
    server = Server(
        "the app",
        [str(BIN / "asc"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        {**os.environ, "PYTHONUNBUFFERED": "1"},
        port,
        "/health",
        work / "app.log",
    )
    server.start()
    try:
        cookie, bearer = sign_in(server.base, STAFF_EMAIL if args.user == "staff" else expert_email(1))
        api = args.path.startswith("/api/")
        first = httpx.get(server.base + args.path, headers={"authorization": bearer} if api else {"cookie": cookie})
        if first.status_code != 200:
            raise SystemExit(f"error: {args.path} answered {first.status_code}: {first.text[:300]}")
        env = {
            **os.environ,
            "BENCH_METHOD": "GET",
            ("BENCH_AUTHORIZATION" if api else "BENCH_COOKIE"): bearer if api else cookie,
        }
        load = subprocess.Popen(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds + 3}s", "--timeout", "60s", "-s", str(LUA)]
            + [server.base + args.path],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        time.sleep(1.5)  # past wrk's connection set-up
        raw = work / "py-spy.txt"
        subprocess.run(
            [spy, "record", "-p", str(server.process.pid), "-d", str(args.seconds), "-r", "250", "--gil"]
            + ["-f", "raw", "-o", str(raw)],
            check=True,
            capture_output=True,
        )
        output = load.communicate()[0]
        rate = next((line.strip() for line in output.splitlines() if line.startswith("Requests/sec")), "")
        print(f"GET {args.path} under {args.connections} connections: {rate}")
        print(summarise(raw, args.top))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
