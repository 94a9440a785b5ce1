"""Who is asking: the user behind a page's session or an API call's bearer token, and the role guards."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from app.accounts.services.tokens import user_for_token
from app.accounts.services.users import CurrentUser, load_user
from app.platform.errors import InvalidToken
from app.platform.i18n import DEFAULT_LOCALE, LANGUAGE_COOKIE, LOCALES, N_, _, negotiate, set_locale
from app.platform.sessions import API_PREFIX, SESSION_COOKIE, Sessions


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
            if authorization:
                # Credentials that do not verify are refused on every route, public ones too: a client whose
                # token was revoked must learn it, not be served as a visitor.
                scheme, _sep, token = authorization.partition(" ")
                user = await user_for_token(token.strip()) if scheme.lower() == "bearer" else None
                if user is None:
                    raise InvalidToken(
                        _(
                            "This bearer token is not valid: it is unknown, revoked or expired. "
                            "Get a new one from POST /api/v1/auth/token."
                        )
                    )
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
