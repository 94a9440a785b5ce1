"""Profile one page or API call in-process with pyinstrument (not a project dependency: pip install pyinstrument).

    .venv/bin/python -m bench.profile /rounds/3/ranking
    .venv/bin/python -m bench.profile /api/v1/me/assignments --user expert --repeat 50
    .venv/bin/python -m bench.profile /api/v1/rounds/3/selection --method POST --body '{"quota": 150}'

The app is built on the configured database (DATABASE_URL / DATA_DIR, seeded by bench/seed.py) with all its
middleware; the request is sent --repeat times through httpx's ASGI transport as the seeded staff member or
first expert, and the profile of those requests (wall clock, async-aware) is printed. --sql also prints the
statements of one request, to spot repeated queries.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from unittest import mock

import httpx

from bench.seed import STAFF_EMAIL, expert_email


async def profile(args: argparse.Namespace) -> None:
    from pyinstrument import Profiler

    logging.getLogger("httpx").setLevel(logging.WARNING)

    from app.accounts.services.tokens import create_token
    from app.accounts.services.users import load_user
    from app.accounts.tables import User
    from app.asgi import create_app
    from app.platform import audit
    from app.platform.db import engine

    app = create_app()
    for hook in app.on_startup:
        await hook(app)
    try:
        email = STAFF_EMAIL if args.user == "staff" else expert_email(1)
        user = await load_user((await User.select(User.id).where(User.email == email).first())["id"])
        if args.path.startswith("/api/"):
            token = (await create_token(user=user, name="profile", actor=audit.SYSTEM))["token"]
            headers = {"authorization": f"Bearer {token}"}
        else:
            headers = {"cookie": f"asc_session={await app.state.sessions.start(user.id)}"}
        if args.body:
            headers["content-type"] = "application/json"
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=300) as client:

            async def send() -> httpx.Response:
                response = await client.request(args.method, args.path, headers=headers, content=args.body or None)
                if response.status_code != 200:
                    raise SystemExit(f"{args.path} answered {response.status_code}: {response.text[:300]}")
                return response

            await send()  # warm-up: templates compiled
            if args.sql:
                statements: list[str] = []
                cls = type(engine())
                original = cls.run_querystring

                async def counted(db, querystring, *a, **k):
                    statements.append(str(querystring))
                    return await original(db, querystring, *a, **k)

                with mock.patch.object(cls, "run_querystring", counted):
                    await send()
                print(f"{len(statements)} statements:")
                for statement in statements:
                    print(f"  {statement[:300]}")
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            started = time.perf_counter()
            with profiler:
                for _ in range(args.repeat):
                    response = await send()
            elapsed = time.perf_counter() - started
        print(
            f"{args.method} {args.path}: {elapsed / args.repeat * 1000:.1f} ms a request over {args.repeat}, "
            f"{len(response.content) / 1024:.0f} KB"
        )
        print(profiler.output_text(unicode=True, color=False, show_all=args.all))
        if args.save:
            with open(args.save, "wb") as handle:
                handle.write(response.content)
        if args.html:
            with open(args.html, "w", encoding="utf-8") as handle:
                handle.write(profiler.output_html())
    finally:
        for hook in app.on_shutdown:
            await hook(app)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile one request in-process with pyinstrument")
    parser.add_argument("path")
    parser.add_argument("--user", choices=["staff", "expert"], default="staff")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sql", action="store_true", help="print the SQL statements of one request")
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--save", default="", help="also write the last response's body here")
    parser.add_argument("--html", default="", help="also write pyinstrument's HTML report here")
    asyncio.run(profile(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
