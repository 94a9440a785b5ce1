"""The baseline of `bench/run.py`: what a page would cost if the app did nothing but render it.

A bare Litestar app, with no middleware, no sessions, no CSRF and no database, that answers each key page
with the same template and the same context (the same rows) the real page rendered, and each API call with
the same JSON. The data is captured once per worker at start-up: the real app is built in-process, asked for
every endpoint of the spec (with the benchmark's cookie or token), and its template context or JSON kept in
memory; then the real app is shut down and the database is never touched again.

    .venv/bin/python -m bench.baseline --spec SPEC.json --port 8101 [--workers N]

SPEC.json is written by bench/run.py: [{"name", "method", "path", "headers", "body"}, ...]. Each endpoint is
served at /baseline/<name> (GET and POST).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from litestar import Litestar, Request, route
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Response, Template
from litestar.template import TemplateConfig

SPEC_ENV = "BENCH_BASELINE_SPEC"


async def capture(spec: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Ask the real app for every endpoint; keep the template context or the JSON it produced."""
    import httpx

    from app.asgi import create_app

    rendered: list[tuple[str, dict[str, Any], Any]] = []
    original = Template.create_template_context

    def recording(self: Template, request: Request) -> dict[str, Any]:
        rendered.append((self.template_name, self.context, request.scope.get("user")))
        return original(self, request)

    app = create_app()
    for hook in app.on_startup:
        await hook(app)
    Template.create_template_context = recording  # type: ignore[method-assign]
    captured: dict[str, dict[str, Any]] = {}
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for entry in spec:
                rendered.clear()
                response = await client.request(
                    entry["method"],
                    entry["path"],
                    headers=entry.get("headers") or {},
                    content=(entry.get("body") or "").encode() or None,
                )
                if response.status_code != 200:
                    raise SystemExit(
                        f"baseline: {entry['name']} answered {response.status_code}: {response.text[:300]}"
                    )
                if rendered:
                    name, context, user = rendered[-1]
                    captured[entry["name"]] = {"template": name, "context": context, "user": user}
                else:
                    captured[entry["name"]] = {"json": response.json(), "media_type": response.headers["content-type"]}
    finally:
        Template.create_template_context = original  # type: ignore[method-assign]
        for hook in app.on_shutdown:
            await hook(app)
    return captured


def create_baseline() -> Litestar:
    """The bare app; its routes are filled with the captured data when a worker starts."""
    from app.asgi import jinja_environment

    with open(os.environ[SPEC_ENV], encoding="utf-8") as handle:
        spec = json.load(handle)
    data: dict[str, dict[str, Any]] = {}

    def handler_for(name: str):
        @route(f"/baseline/{name}", http_method=["GET", "POST"], status_code=200, name=f"baseline-{name}")
        async def handler(request: Request) -> Any:
            entry = data[name]
            if "template" in entry:
                # What the session middleware would have put in the scope: base.html reads the user from it.
                request.scope["user"] = entry["user"]  # type: ignore[typeddict-unknown-key]
                return Template(entry["template"], context=entry["context"])
            return Response(entry["json"], media_type=entry["media_type"])

        return handler

    async def load(app: Litestar) -> None:
        data.update(await capture(spec))

    return Litestar(
        route_handlers=[handler_for(entry["name"]) for entry in spec],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(jinja_environment())),
        on_startup=[load],
        openapi_config=None,
        debug=False,
    )


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the baseline of bench/run.py")
    parser.add_argument("--spec", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ[SPEC_ENV] = os.path.abspath(args.spec)
    # The same server settings as `asc serve`, so the ratio measures the app, not the server.
    uvicorn.run(
        "bench.baseline:create_baseline",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
