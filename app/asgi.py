"""create_app: the one place that wires the application together."""

from __future__ import annotations

import errno
import gc
import os
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import asyncpg
import jinja2
from litestar import Litestar, Request, Response
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPIHeader, OpenAPIResponse, Operation, Schema, SecurityScheme
from litestar.plugins import ReceiveRoutePlugin
from litestar.response import Redirect, Template
from litestar.routes import BaseRoute, HTTPRoute
from litestar.static_files import create_static_files_router
from litestar.stores.base import StorageObject, Store
from litestar.stores.file import FileStore, _safe_file_name
from litestar.template import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.api import AccountApi
from app.accounts.auth import RequestContextMiddleware, admin_only, signed_in, staff_only
from app.accounts.pages import AccountPages
from app.accounts.services.passwords import configure_password_hashing
from app.applications import permissions as application_permissions
from app.applications.api import ApplicationApi, ProgrammeApi, RoundApi
from app.applications.pages.application import ApplicationPages
from app.applications.pages.round_setup import RoundSetupPages
from app.applications.pages.rounds import RoundPages
from app.applications.pages.screening import ScreeningPages
from app.platform import i18n, virus_scan
from app.platform.db import close_engine, engine_for, prepare_engine, use_engine
from app.platform.documents import human_size
from app.platform.errors import DomainError, ErrorOut
from app.platform.logs import RequestIdMiddleware
from app.platform.sessions import API_PREFIX, SessionConfig, Sessions
from app.platform.settings import Settings, load_settings
from app.platform.storage import Storage, storage_for
from app.procurement import permissions as procurement_permissions
from app.procurement.api import ProcurementApi
from app.procurement.pages.catalogue import CataloguePages
from app.procurement.pages.dashboard import DashboardPages
from app.procurement.pages.lots import LotPages
from app.procurement.pages.project import ProjectPages
from app.procurement.pages.projects import ProjectListPages
from app.registry.api import RegistryApi
from app.registry.pages import RegistryPages
from app.scoring import permissions as scoring_permissions
from app.scoring.controllers import ReviewApi, ScoringApi
from app.scoring.pages import ExpertPages
from app.scoring.staff_pages import ReviewStaffPages
from app.site.api import CoreApi
from app.site.pages import CorePages

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, production: bool) -> None:
        self.app = app
        self.headers = [
            (
                b"content-security-policy",
                b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            ),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
        ]
        if production:
            self.headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_schema = scope["path"].startswith("/schema")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in self.headers:
                    # The API docs page loads its own scripts; it keeps the other headers.
                    if name not in present and not (is_schema and name == b"content-security-policy"):
                        headers.append((name, value))
                # What a signed-in person sees is theirs: no shared cache or back button on another's browser
                # may keep it.
                if scope.get("user") is not None and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def jinja_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_callables(i18n.translate, i18n.translate_plural, newstyle=True)
    env.globals.update(gettext=i18n.template_gettext, _=i18n.template_gettext)
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    env.globals.update(
        get_locale=i18n.get_locale,
        locales=i18n.LOCALES,
        language_names=i18n.LANGUAGE_NAMES,
        pick=i18n.pick,
    )
    env.filters.update(
        moment=i18n.format_moment,
        day=i18n.format_day,
        number=i18n.format_number,
    )
    return env


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path == "/health"


def error_response(request: Request, status_code: int, message: str, extra: dict[str, Any] | None = None) -> Response:
    if is_api(request):
        body: dict[str, Any] = {"status_code": status_code, "detail": message}
        if extra:
            body["extra"] = extra
        return Response(body, status_code=status_code)
    context = {"status_code": status_code, "message": message, "request_id": request.scope.get("request_id", "")}
    return Template("error.html", context=context, status_code=status_code)


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    response = error_response(request, exc.status_code, exc.message, exc.extra)
    response.headers.update(exc.headers)  # e.g. the WWW-Authenticate of a 401
    return response


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    _ = i18n.gettext
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return Redirect(f"/login?next={quote(target)}", status_code=303)
    messages = {
        401: _("Sign in to continue: send a valid bearer token."),
        403: exc.detail if exc.detail and exc.detail != "Forbidden" else _("You do not have access to this."),
        404: _("There is nothing at this address. Check the link."),
        405: _("This address does not accept this kind of request."),
        413: _(
            "The request is larger than the limit of %(limit)s. Send a smaller file.",
            limit=human_size(request.app.state.settings.max_body_bytes),
        ),
        429: _("Too many requests. Wait a little and try again."),
    }
    if isinstance(exc, ValidationException) or status == 400:
        extra = exc.extra if isinstance(exc.extra, (list, dict)) else None
        details = "; ".join(f"{e.get('key', '')}: {e.get('message', '')}" for e in (extra or []) if isinstance(e, dict))
        message = _("The request is not valid. %(details)s", details=details or exc.detail)
        return error_response(request, 400, message, {"errors": extra} if extra else None)
    if isinstance(exc, PermissionError):
        status = 403
    if status == 403 and exc.detail == "CSRF token verification failed":
        message = _("This form has expired. Reload the page and submit it again.")
    else:
        message = messages.get(status, exc.detail)
    response = error_response(request, status, message)
    if exc.headers:  # e.g. the Allow of a 405
        response.headers.update(exc.headers)
    if status == 401:  # RFC 6750 §3: every 401 names the scheme that would be accepted
        response.headers.setdefault("WWW-Authenticate", "Bearer")
    return response


def server_error_handler(request: Request, exc: Exception) -> Response:
    import logging

    logging.getLogger("asc").exception("Unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        request, 500, i18n.gettext("Something went wrong on our side. The error was logged; please try again.")
    )


# Errors that say the database cannot be reached right now (restarting, down, locked), wherever they are
# raised, the auth middleware included. Each is checked by ``database_unavailable`` before it becomes a 503.
DATABASE_ERRORS = (
    asyncpg.PostgresConnectionError,  # the connection broke: ConnectionDoesNotExistError, ...
    asyncpg.CannotConnectNowError,  # the server is starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,  # "connection is closed", when a pooled connection died with the server
    asyncpg.InternalClientError,  # the driver's state after the server dropped the connection mid-query
    OSError,  # connection refused or reset, from the pool's connect
    sqlite3.OperationalError,  # "database is locked" after the write timeout
)
_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}


def database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.InterfaceError):
        return "connection is closed" in str(exc) or "pool is closed" in str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return any(text in str(exc) for text in ("database is locked", "unable to open database"))
    if isinstance(exc, OSError):
        return (
            isinstance(exc, (ConnectionError, TimeoutError))
            or exc.errno in _UNREACHABLE_ERRNOS
            or "Connect call failed" in str(exc)
        )
    return isinstance(exc, DATABASE_ERRORS)


def database_error_handler(request: Request, exc: Exception) -> Response:
    """The database is restarting or unreachable: 503 with a message, the app keeps running and its pool
    reconnects when the database is back. Anything else of these types is a bug: 500, as before."""
    import logging

    if not database_unavailable(exc):
        return server_error_handler(request, exc)
    logging.getLogger("asc").warning("Database unavailable on %s %s: %r", request.method, request.url.path, exc)
    return error_response(
        request, 503, i18n.gettext("The database is unavailable right now. Please try again in a few minutes.")
    )


BEARER = "BearerToken"
API_ERRORS = {
    401: "No valid bearer token (none where one is needed, or one that is unknown, revoked or expired): send "
    "`Authorization: Bearer <token>` from `POST /api/v1/auth/token`.",
    403: "Your role, or your relation to this object, does not allow this.",
    404: "There is no such object (in the path, or named in the body), or it is not yours to see.",
    409: "The object's state does not allow this now (already submitted, closed or confirmed; a stale version).",
    413: "The request or its file is larger than the limit.",
    415: "The file is of a type that is not accepted here.",
    422: "The request is well formed but breaks a rule: `detail` says which and what to do; `extra` names the field.",
    429: "Too many failed sign-in attempts: wait and try again.",
    503: "The database or the document storage does not answer right now: try again later.",
}


class ApiErrorResponses(ReceiveRoutePlugin):
    """Documents in the OpenAPI schema the errors each API operation can answer, all with ``ErrorOut``.

    401 and 403 where a guard asks who you are (such operations also declare the bearer token), 404
    where the path or the body names an object, 422 where there is input, 409 on writes, 413 with a
    body, 415 with an upload, 503 everywhere (``database_error_handler``, storage outages), and what a
    handler adds with ``opt={"errors": (...)}``. (400, a request that does not match the schema,
    Litestar documents itself.) A handler that serves stored documents lists their types with
    ``opt={"content_types": (...)}``.
    """

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API_PREFIX):
            return
        for handler in route.route_handlers:
            if "OPTIONS" in handler.http_methods:
                continue
            guards = {guard for layer in handler.ownership_layers for guard in (layer.guards or [])}
            parameters = handler.parsed_fn_signature.parameters
            body = parameters.get("data")
            # 401 everywhere: a bearer token that does not verify is refused on public operations too.
            codes = {401, 503, *handler.opt.get("errors", ())}
            if guards & {signed_in, staff_only, admin_only}:
                codes.add(403)
                handler.security = handler.security or [{BEARER: []}]
            else:
                handler.security = handler.security or [{}, {BEARER: []}]  # a token is optional here
            if route.path_parameters or body is not None:
                codes.add(404)
            if set(parameters) - {"request", "settings", "storage", "sessions"}:
                codes.add(422)
            if handler.http_methods - {"GET", "HEAD"}:
                codes.add(409)
            if body is not None:
                codes.add(413)
                if getattr(body.kwarg_definition, "media_type", None) == RequestEncodingType.MULTI_PART:
                    codes.add(415)
            documented = {
                code: ResponseSpec(ErrorOut, description=API_ERRORS[code], generate_examples=False)
                for code in sorted(codes)
            }
            handler.responses = {**documented, **(handler.responses or {})}
            if handler.operation_class is Operation:
                handler.operation_class = api_operation(tuple(handler.opt.get("content_types", ())))


def api_operation(content_types: tuple[str, ...]) -> Callable[..., Operation]:
    """Builds an operation's schema as Litestar does, then corrects what Litestar cannot be told."""

    def build(**fields: Any) -> Operation:
        operation = Operation(**fields)
        responses = operation.responses or {}
        for response in responses.values():
            header = (response.headers or {}).get("last-modified") if isinstance(response, OpenAPIResponse) else None
            if isinstance(header, OpenAPIHeader) and isinstance(header.schema, Schema):
                # A file response sends an HTTP date (Thu, 26 Nov 2026 10:06:11 GMT), not an RFC 3339 date-time.
                header.schema.format = None
                header.description = "When the file was last modified, as an HTTP date"
        success = responses.get("200")
        if content_types and isinstance(success, OpenAPIResponse) and success.content:
            media = next(iter(success.content.values()))
            success.content = {content_type: media for content_type in content_types}
        return operation

    return build


def out_of_range_handler(request: Request, exc: Exception) -> Response:
    """A value the database cannot hold (an id beyond its integer column, a text beyond its length) is
    the request's fault: 422, not 500. Logged, as a rule in the service should have caught it first."""
    import logging

    logging.getLogger("asc").warning("Value out of range on %s %s: %s", request.method, request.url.path, exc)
    details = i18n.gettext("A value in it is too large or too long.")
    return error_response(request, 422, i18n.gettext("The request is not valid. %(details)s", details=details))


def nested_too_deeply_handler(request: Request, exc: RecursionError) -> Response:
    """JSON nested deeper than the decoder recurses (msgspec raises RecursionError): the body's fault, a 400.
    Any other RecursionError is a bug, and stays a 500."""
    if "deserializing" not in str(exc):
        return server_error_handler(request, exc)
    details = i18n.gettext("The JSON is nested too deeply.")
    return error_response(request, 400, i18n.gettext("The request is not valid. %(details)s", details=details))


def undecodable_request_handler(request: Request, exc: UnicodeDecodeError) -> Response:
    """Litestar reads a form part without a file name as UTF-8 text and raises on other bytes: a 400."""
    details = i18n.gettext("A form field is not UTF-8 text; send a file as a part with a file name.")
    return error_response(request, 400, i18n.gettext("The request is not valid. %(details)s", details=details))


class SessionFileStore(FileStore):
    """Litestar's file store, reading a session's file on the event loop.

    A session file is a few hundred bytes in the page cache: reading it takes microseconds, while handing the
    read to a worker thread (as FileStore does, through anyio) cost about a tenth of a millisecond of CPU on
    every signed-in page. Writes (a login, a renewal once a minute) still go through the thread.
    """

    def __init__(self, path: Path, *, create_directories: bool = False) -> None:
        super().__init__(path, create_directories=create_directories)
        self._directory = str(path)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        if renew_for:
            return await super().get(key, renew_for=renew_for)
        try:
            # The file name is the one FileStore.set gives the key (Litestar's own function).
            with open(os.path.join(self._directory, _safe_file_name(key)), "rb") as handle:
                stored = StorageObject.from_bytes(handle.read())
        except FileNotFoundError:
            return None
        if stored.expired:
            await self.delete(key)
            return None
        return stored.data

    @staticmethod
    async def _load_from_path(path: Any) -> StorageObject | None:
        try:
            with open(str(path), "rb") as handle:
                return StorageObject.from_bytes(handle.read())
        except FileNotFoundError:
            return None


@cache
def freeze_startup_objects() -> None:
    """Once per process: move what start-up built (modules, routes, compiled templates and queries) out of the
    garbage collector's reach. A full collection then walks only what requests create, instead of every object
    of the app while every request in flight waits."""
    gc.collect()
    gc.freeze()


def session_store(settings: Settings) -> Store:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=settings.redis_url, namespace="asc")
    settings.sessions_dir.mkdir(parents=True, exist_ok=True)
    return SessionFileStore(settings.sessions_dir, create_directories=True)


def complete_options_allow_headers(app: Litestar) -> None:
    """Litestar makes a path's automatic OPTIONS handler when it first registers the path, and keeps it when
    handlers of another controller join that path later; its Allow header then leaves their methods out. Each such
    handler is pointed at the route it now serves (the handler reads the methods of the route it closes over)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        handler = route.route_handler_map["OPTIONS"][0]
        function = handler.fn
        if getattr(function, "__name__", "") != "options_handler":
            continue
        for cell in function.__closure__ or ():
            if isinstance(cell.cell_contents, HTTPRoute):
                cell.cell_contents = route


def create_app(settings: Settings | None = None, storage: Storage | None = None) -> Litestar:
    settings = settings or load_settings()
    storage = storage or storage_for(settings)
    engine = use_engine(engine_for(settings))
    application_permissions.register()
    scoring_permissions.register()
    procurement_permissions.register()
    virus_scan.configure(settings.clamd_address)
    configure_password_hashing(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)
    sessions = Sessions(
        session_store(settings),
        SessionConfig(idle_seconds=settings.session_idle_minutes * 60, secure=settings.is_production),
    )

    async def on_startup(app: Litestar) -> None:
        use_engine(engine)
        await prepare_engine(engine, pool_max=settings.db_pool_max)
        freeze_startup_objects()

    async def on_shutdown(app: Litestar) -> None:
        await close_engine(engine)
        # The store's own exit closes its Redis client (FileStore has nothing to close).
        await sessions.store.__aexit__(None, None, None)

    app = Litestar(
        route_handlers=[
            CorePages,
            CoreApi,
            AccountPages,
            AccountApi,
            RegistryPages,
            RegistryApi,
            ProgrammeApi,
            ScoringApi,
            ProcurementApi,
            ReviewApi,
            RoundPages,
            RoundSetupPages,
            ScreeningPages,
            RoundApi,
            ApplicationApi,
            ApplicationPages,
            ExpertPages,
            ReviewStaffPages,
            ProjectPages,
            ProjectListPages,
            LotPages,
            DashboardPages,
            CataloguePages,
            create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
        ],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "storage": Provide(lambda: storage, use_cache=True, sync_to_thread=False),
            "sessions": Provide(lambda: sessions, use_cache=True, sync_to_thread=False),
        },
        middleware=[
            RequestIdMiddleware,
            DefineMiddleware(SecurityHeadersMiddleware, production=settings.is_production),
            DefineMiddleware(RequestContextMiddleware, sessions=sessions),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="asc_csrf",
            cookie_secure=settings.is_production,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=["/api/", "/health"],
        ),
        allowed_hosts=AllowedHostsConfig(allowed_hosts=list(settings.allowed_hosts)),
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(jinja_environment())),
        openapi_config=OpenAPIConfig(
            title="ASC Rounds API",
            version="1.0.0",
            description="Rounds, applications, expert review and procurement for Administrative Service Centres. "
            "Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/token`.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            components=Components(
                security_schemes={
                    BEARER: SecurityScheme(
                        type="http", scheme="bearer", description="A token from `POST /api/v1/auth/token`."
                    )
                }
            ),
        ),
        plugins=[ApiErrorResponses()],
        exception_handlers={
            DomainError: domain_error_handler,
            HTTPException: http_error_handler,
            OverflowError: out_of_range_handler,
            asyncpg.DataError: out_of_range_handler,
            UnicodeDecodeError: undecodable_request_handler,
            RecursionError: nested_too_deeply_handler,
            **dict.fromkeys(DATABASE_ERRORS, database_error_handler),
            500: server_error_handler,
        },
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        request_max_body_size=settings.max_body_bytes,
        debug=False,
        # The process's logging is set once, where it starts (`asc serve` hands app.platform.logs' config to
        # uvicorn): Litestar's own would replace it with another format and no request id.
        logging_config=None,
    )
    complete_options_allow_headers(app)
    app.state.settings = settings
    app.state.engine = engine
    app.state.storage = storage
    app.state.sessions = sessions
    return app
