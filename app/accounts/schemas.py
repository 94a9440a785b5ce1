"""What the accounts' JSON API accepts and answers: token requests, tokens, who one is, users.

Must not touch: how any of it is checked or stored (services/)."""

from __future__ import annotations

import datetime

import msgspec


class TokenRequest(msgspec.Struct):
    email: str
    password: str
    name: str = "API"


class TokenCreated(msgspec.Struct):
    id: int
    token: str
    name: str
    expires_at: datetime.datetime | None


class TokenOut(msgspec.Struct):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    expires_at: datetime.datetime | None


class MeOut(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str
    hromada_code: str | None
    locale: str


class UserCreate(msgspec.Struct):
    email: str
    name: str
    role: str
    password: str
    hromada_code: str | None = None
    locale: str = "uk"


class UserOut(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str
    hromada_code: str | None
