"""The accounts' JSON API: exchanging a password for a bearer token, one's tokens, who one is, the users.

Must not touch: pages or sessions (pages.py), nor any rule of its own: each handler parses, calls a service, answers."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.accounts.auth import admin_only, client_address, require_user, signed_in
from app.accounts.schemas import MeOut, TokenCreated, TokenOut, TokenRequest, UserCreate, UserOut
from app.accounts.services.login import authenticate, login_limits
from app.accounts.services.tokens import create_token, list_tokens, revoke_token
from app.accounts.services.users import create_user, list_users
from app.platform.errors import ErrorOut
from app.platform.settings import Settings
from app.platform.structs import struct_from

WRONG_CREDENTIALS = ResponseSpec(
    ErrorOut,
    description="The email or password is wrong (or the account is deactivated): the same answer for all, "
    "with `WWW-Authenticate: Bearer`.",
    generate_examples=False,
)


class AccountApi(Controller):
    path = "/api/v1"
    tags = ["accounts"]

    @post(
        "/auth/token",
        status_code=HTTP_201_CREATED,
        summary="Exchange email and password for a bearer token",
        responses={401: WRONG_CREDENTIALS},
        opt={"errors": (429,)},
    )
    async def issue_token(self, request: Request, settings: Settings, data: TokenRequest) -> TokenCreated:
        user = await authenticate(
            email=data.email, password=data.password, address=client_address(request), limits=login_limits(settings)
        )
        created = await create_token(
            user=user,
            name=data.name,
            actor=user.actor(client_address(request)),
            lifetime=timedelta(days=settings.token_lifetime_days),
        )
        return struct_from(TokenCreated, created)

    @get("/auth/tokens", guards=[signed_in], summary="Your API tokens")
    async def list_tokens(self, request: Request) -> list[TokenOut]:
        rows = await list_tokens(user=require_user(request))
        return [TokenOut(**row) for row in rows]

    @delete(
        "/auth/tokens/{token_id:int}", guards=[signed_in], status_code=HTTP_204_NO_CONTENT, summary="Revoke a token"
    )
    async def revoke_token(self, request: Request, token_id: int) -> None:
        user = require_user(request)
        await revoke_token(user=user, token_id=token_id, actor=user.actor(client_address(request)))

    @get("/me", guards=[signed_in], summary="Who the token belongs to")
    async def me(self, request: Request) -> MeOut:
        return struct_from(MeOut, require_user(request))

    @get("/users", guards=[admin_only], summary="All users (administrators)")
    async def list_users(self) -> list[UserOut]:
        return [struct_from(UserOut, row) for row in await list_users()]

    @post("/users", guards=[admin_only], status_code=HTTP_201_CREATED, summary="Create a user (administrators)")
    async def create_user(self, request: Request, data: UserCreate) -> UserOut:
        user = require_user(request)
        created = await create_user(**msgspec.structs.asdict(data), actor=user.actor(client_address(request)))
        return UserOut(**created)
