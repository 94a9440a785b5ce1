"""Who is asking: server-side sessions for pages, bearer tokens for the API, and role guards."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.stores.base import Store
from litestar.types import ASGIApp, Receive, Scope, Send

from app.accounts.services import CurrentUser, load_user, user_for_token
from app.i18n import DEFAULT_LOCALE, LOCALES, N_, _, negotiate, set_locale

SESSION_COOKIE = "asc_session"
LANGUAGE_COOKIE = "asc_lang"
API_PREFIX = "/api/"


@dataclass(frozen=True)
class SessionConfig:
    idle_seconds: int
    secure: bool


class Sessions:
    """Sessions live in a Litestar store (files under DATA_DIR, or Redis), keyed by a random id.

    A new id is issued at every login and the old one deleted; logout deletes the id; an idle
    session expires after ``idle_seconds`` without a request. Renewing rewrites the session in the store
    (a file write with the file store), so a process renews a session at most once a minute: the session
    then expires between ``idle_seconds`` minus a minute and ``idle_seconds`` after the last request.
    """

    RENEW_EVERY = 60.0
    _REMEMBERED = 10_000

    def __init__(self, store: Store, config: SessionConfig) -> None:
        self.store = store
        self.config = config
        self._renewed: dict[str, float] = {}

    async def load(self, session_id: str) -> dict[str, Any] | None:
        now = time.monotonic()
        renew = now - self._renewed.get(session_id, -self.RENEW_EVERY) >= self.RENEW_EVERY
        raw = await self.store.get(f"session:{session_id}", renew_for=self.config.idle_seconds if renew else None)
        if not raw:
            self._renewed.pop(session_id, None)
            return None
        if renew:
            if len(self._renewed) >= self._REMEMBERED:
                self._renewed = {k: t for k, t in self._renewed.items() if now - t < self.RENEW_EVERY}
            self._renewed[session_id] = now
        return json.loads(raw)

    async def start(self, user_id: int, previous_id: str | None = None) -> str:
        if previous_id:
            await self.end(previous_id)
        session_id = secrets.token_urlsafe(32)
        data = json.dumps({"user_id": user_id, "started": int(time.time())})
        await self.store.set(f"session:{session_id}", data, expires_in=self.config.idle_seconds)
        return session_id

    async def end(self, session_id: str) -> None:
        self._renewed.pop(session_id, None)
        await self.store.delete(f"session:{session_id}")

    def cookie(self, session_id: str) -> Cookie:
        # No max-age: the store renews the session at every request, and a fixed cookie lifetime
        # would sign an active user out when it ran out. The cookie ends with the browser session.
        return Cookie(
            key=SESSION_COOKIE,
            value=session_id,
            path="/",
            httponly=True,
            secure=self.config.secure,
            samesite="lax",
        )

    def expired_cookie(self) -> Cookie:
        return Cookie(
            key=SESSION_COOKIE,
            value="",
            path="/",
            httponly=True,
            secure=self.config.secure,
            samesite="lax",
            max_age=0,
            expires=0,
        )


def _cookies(scope: Scope) -> dict[str, str]:
    return dict(ASGIConnection(scope).cookies)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


class RequestContextMiddleware:
    """Sets ``scope["user"]`` (a CurrentUser or None) and the request's language.

    Pages authenticate by session cookie only; ``/api/`` authenticates by bearer token only, so a
    cookie can never act on the CSRF-exempt API.
    """

    def __init__(self, app: ASGIApp, sessions: Sessions) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        user: CurrentUser | None = None
        session_id: str | None = None
        is_api = scope["path"].startswith(API_PREFIX)
        cookies = {} if is_api else _cookies(scope)  # the API reads no cookie
        # Before the user is looked up, so an error there (the database down) is answered in the request's
        # language and the error page finds no half-set user.
        scope["user"] = None
        set_locale(self._locale(scope, cookies, None))
        if is_api:
            authorization = _header(scope, b"authorization")
            if authorization.lower().startswith("bearer "):
                user = await user_for_token(authorization[7:].strip())
        else:
            session_id = cookies.get(SESSION_COOKIE) or None
            if session_id:
                data = await self.sessions.load(session_id)
                if data:
                    user = await load_user(int(data["user_id"]))
                else:
                    session_id = None
        scope["user"] = user
        scope["auth"] = {"session_id": session_id}
        set_locale(self._locale(scope, cookies, user))
        await self.app(scope, receive, send)

    @staticmethod
    def _locale(scope: Scope, cookies: dict[str, str], user: CurrentUser | None) -> str:
        """Pages: the language chosen on the site, then the user's, then the browser's. The API: the
        request's Accept-Language, then the user's."""
        header = negotiate(_header(scope, b"accept-language"))
        profile = user.locale if user else None
        if scope["path"].startswith(API_PREFIX):
            return header or profile or DEFAULT_LOCALE
        chosen = cookies.get(LANGUAGE_COOKIE)
        return (chosen if chosen in LOCALES else None) or profile or header or DEFAULT_LOCALE


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get("user")


def require_user(connection: ASGIConnection) -> CurrentUser:
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException(_("Sign in to continue."))
    return user


def client_address(connection: ASGIConnection) -> str:
    """The peer address. X-Forwarded-For is ignored here: only a trusted proxy may rewrite the peer."""
    client = connection.scope.get("client")
    return client[0] if client else ""


# Guards are coroutines: Litestar runs a plain function guard in a worker thread, a hand-off that cost more
# than the check itself on every request.
async def signed_in(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    require_user(connection)


def _roles_guard(message: str, *roles: str):
    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        user = require_user(connection)
        if user.role not in roles:
            raise PermissionDeniedException(_(message))

    return guard


staff_only = _roles_guard(N_("This page is for programme staff only."), "staff", "admin")
admin_only = _roles_guard(N_("This page is for administrators only."), "admin")
