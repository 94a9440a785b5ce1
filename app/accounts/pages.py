"""The accounts' pages: signing in and out, one's API tokens, and the administrators' list of users.

Must not touch: the JSON API (api.py) or any rule of its own: each handler parses the form, calls a service, renders."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from app.accounts.auth import admin_only, client_address, require_user, signed_in
from app.accounts.services.login import authenticate, login_limits
from app.accounts.services.tokens import create_token, list_tokens, revoke_token
from app.accounts.services.users import create_user, list_users
from app.accounts.tables import ROLES
from app.platform.errors import DomainError
from app.platform.sessions import Sessions
from app.platform.settings import Settings

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)


def safe_next(target: str | None) -> str:
    """Only same-site paths may follow a login, never another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


class AccountPages(Controller):
    tags = ["pages"]
    include_in_schema = False

    @get("/login")
    async def login_form(self, request: Request, next: str = "/") -> Template | Redirect:
        if request.scope.get("user"):
            return Redirect(safe_next(next))
        return Template("accounts/login.html", context={"next": safe_next(next), "email": "", "error": None})

    @post("/login", status_code=200)
    async def login(
        self,
        request: Request,
        sessions: Sessions,
        settings: Settings,
        data: Annotated[dict[str, Any], FormBody],
    ) -> Template | Redirect:
        email = str(data.get("email", ""))
        target = safe_next(str(data.get("next", "/")))
        try:
            user = await authenticate(
                email=email,
                password=str(data.get("password", "")),
                address=client_address(request),
                limits=login_limits(settings),
            )
        except DomainError as error:
            return Template(
                "accounts/login.html",
                context={"next": target, "email": email, "error": error.message},
                status_code=error.status_code if error.status_code == 429 else 400,
                headers=error.headers if error.status_code == 429 else None,  # its Retry-After
            )
        session_id = await sessions.start(user.id, previous_id=request.scope["auth"].get("session_id"))
        return Redirect(target, cookies=[sessions.cookie(session_id)], status_code=303)

    @post("/logout", status_code=303)
    async def logout(self, request: Request, sessions: Sessions) -> Redirect:
        session_id = request.scope["auth"].get("session_id")
        if session_id:
            await sessions.end(session_id)
        return Redirect("/login", cookies=[sessions.expired_cookie()], status_code=303)

    @get("/account/tokens", guards=[signed_in])
    async def tokens_page(self, request: Request) -> Template:
        user = require_user(request)
        return Template("accounts/tokens.html", context={"tokens": await list_tokens(user=user), "new": None})

    @post("/account/tokens", guards=[signed_in], status_code=200)
    async def tokens_create(
        self, request: Request, settings: Settings, data: Annotated[dict[str, Any], FormBody]
    ) -> Template:
        user = require_user(request)
        created = await create_token(
            user=user,
            name=str(data.get("name", "")),
            actor=user.actor(client_address(request)),
            lifetime=timedelta(days=settings.token_lifetime_days),
        )
        return Template("accounts/tokens.html", context={"tokens": await list_tokens(user=user), "new": created})

    @post("/account/tokens/{token_id:int}/revoke", guards=[signed_in], status_code=303)
    async def tokens_revoke(self, request: Request, token_id: int) -> Redirect:
        user = require_user(request)
        await revoke_token(user=user, token_id=token_id, actor=user.actor(client_address(request)))
        return Redirect("/account/tokens", status_code=303)

    @get("/admin/users", guards=[admin_only])
    async def users_page(self) -> Template:
        return Template(
            "accounts/users.html",
            context={"users": await list_users(), "roles": ROLES, "error": None, "form": {}},
        )

    @post("/admin/users", guards=[admin_only], status_code=200)
    async def users_create(self, request: Request, data: Annotated[dict[str, Any], FormBody]) -> Template | Redirect:
        user = require_user(request)
        form = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        try:
            await create_user(
                email=form.get("email", ""),
                name=form.get("name", ""),
                role=form.get("role", ""),
                password=form.get("password", ""),
                hromada_code=form.get("hromada_code") or None,
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            form.pop("password", None)
            return Template(
                "accounts/users.html",
                context={"users": await list_users(), "roles": ROLES, "error": error, "form": form},
                status_code=error.status_code,
            )
        return Redirect("/admin/users", status_code=303)
