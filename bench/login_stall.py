"""Does one sign-in stall everyone else? The floor call's latency (GET /api/v1/me with a token) from one client,
alone and while 16 clients sign in over and over at production argon2 cost (about 0.2 s of CPU each).

    .venv/bin/python -m bench.login_stall [--seconds 10]

It runs `asc serve` (one worker) on a fresh SQLite database in a temporary folder, with the production hashing
cost, and prints the floor call's p50 / p99 / max in both phases. With argon2 on the event loop, every request
waits behind the hashes in progress (p99 about a sign-in's time or more); with argon2 in worker threads, the loop
stays free and the floor call's p99 stays within a few milliseconds of its quiet figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.run import BIN, free_port

EMAIL = "stall@bench.asc"
PASSWORD = "bench-password-2026"
LOGIN_CLIENTS = 16


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def floor_latencies(client: httpx.AsyncClient, token: str, seconds: float) -> list[float]:
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = await client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return latencies


async def sign_in_forever(client: httpx.AsyncClient, stop: asyncio.Event, counter: list[int]) -> None:
    while not stop.is_set():
        response = await client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
        assert response.status_code == 201, response.text
        counter[0] += 1


async def measure(base: str, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        token = (await client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})).json()["token"]
        await floor_latencies(client, token, 1.0)  # warm-up
        quiet = await floor_latencies(client, token, seconds)
        stop, counter = asyncio.Event(), [0]
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=httpx.Limits(max_connections=64)) as logins:
            workers = [asyncio.create_task(sign_in_forever(logins, stop, counter)) for _ in range(LOGIN_CLIENTS)]
            await asyncio.sleep(1.0)
            busy = await floor_latencies(client, token, seconds)
            stop.set()
            await asyncio.gather(*workers)
    print(f"floor call GET /api/v1/me, one client, {seconds:.0f} s per phase (ms):")
    print(f"  {'phase':<34} {'requests':>8} {'p50':>8} {'p99':>8} {'max':>8}")
    for label, values in (("alone", quiet), (f"while {LOGIN_CLIENTS} clients sign in", busy)):
        print(
            f"  {label:<34} {len(values):>8} {statistics.median(values):>8.1f} "
            f"{percentile(values, 0.99):>8.1f} {max(values):>8.1f}"
        )
    print(f"  sign-ins completed meanwhile: {counter[0]} ({counter[0] / (seconds + 1):.1f}/s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="asc-stall-"))
    env = {**os.environ, "DATA_DIR": str(work), "APP_ENV": "development", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_KIB"):  # the production cost, whatever the shell says
        env.pop(name, None)
    subprocess.run([str(BIN / "asc"), "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [str(BIN / "asc"), "users", "create", "--email", EMAIL, "--name", "Bench", "--role", "staff"],
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "asc"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "LOG_FORMAT": "text"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        asyncio.run(measure(base, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
