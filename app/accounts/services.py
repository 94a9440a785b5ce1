"""Accounts: users, passwords, login with rate limits, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.accounts.tables import ROLES, ApiToken, LoginAttempt, User
from app.platform import audit
from app.platform.db import KeyLookup, engine, write_transaction
from app.platform.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from app.platform.i18n import _
from app.registry.tables import Hromada

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure_password_hashing(*, time_cost: int, memory_kib: int) -> None:
    """Set argon2's cost (from settings). Existing hashes stay valid and are upgraded at the next login."""
    global _hasher, _DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_kib):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        _DUMMY_HASH = _hasher.hash("not-a-real-password")


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254  # User.email and LoginAttempt.account are Varchar(254)
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "asc_"


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person, as every request and permission sees them."""

    id: int
    email: str
    name: str
    role: str
    hromada_id: int | None
    hromada_code: str | None
    locale: str

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    def actor(self, address: str = "") -> audit.Actor:
        return audit.Actor(id=self.id, label=self.email, address=address)


@dataclass(frozen=True)
class LoginLimits:
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


# Every request asks one of these two: plain SQL, built once, instead of an ORM query compiled per request
# (Piccolo's joins cost more to build than SQLite takes to answer them).
_USER_COLUMNS = "u.id AS user_id, u.email, u.name, u.role, u.hromada, h.code AS hromada_code, u.locale, u.is_active"
_USER_BY_ID = f'SELECT {_USER_COLUMNS} FROM "app_user" u LEFT JOIN "hromada" h ON h.id = u.hromada WHERE u.id = {{}}'
_USER_BY_TOKEN = (
    f"SELECT t.id, t.revoked_at, t.last_used_at, {_USER_COLUMNS} "
    'FROM "api_token" t JOIN "app_user" u ON u.id = t."user" LEFT JOIN "hromada" h ON h.id = u.hromada '
    "WHERE t.token_hash = {}"
)


def _current_user(row: dict[str, Any]) -> CurrentUser:
    return CurrentUser(
        id=row["user_id"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        hromada_id=row["hromada"],
        hromada_code=row["hromada_code"],
        locale=row["locale"],
    )


async def load_user(user_id: int) -> CurrentUser | None:
    rows = await engine().run_querystring(KeyLookup(_USER_BY_ID, user_id))
    if not rows or not rows[0]["is_active"]:
        return None
    return _current_user(rows[0])


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password must be at least %(n)s characters long.", n=MIN_PASSWORD_LENGTH),
            extra={"field": "password"},
        )


async def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    hromada_code: str | None = None,
    locale: str = "uk",
    actor: audit.Actor,
) -> dict[str, Any]:
    email = normalise_email(email)
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL.match(email):
        raise InvalidInput(_("Enter a valid email address."), extra={"field": "email"})
    if not (name or "").strip():
        raise InvalidInput(_("Enter the person's name."), extra={"field": "name"})
    if len(name.strip()) > 200:
        raise InvalidInput(_("The name is too long: at most 200 characters."), extra={"field": "name"})
    if role not in ROLES:
        raise InvalidInput(_("The role must be one of: %(roles)s.", roles=", ".join(ROLES)), extra={"field": "role"})
    validate_password(password)
    hromada_id = None
    if role == "applicant":
        if not hromada_code:
            raise InvalidInput(
                _("A hromada leader must be bound to a hromada: give its code."), extra={"field": "hromada"}
            )
        hromada = await Hromada.select(Hromada.id).where(Hromada.code == hromada_code).first()
        if hromada is None:
            raise NotFound(_("There is no hromada with the code %(code)s in the registry.", code=hromada_code))
        hromada_id = hromada["id"]
    elif hromada_code:
        raise InvalidInput(_("Only a hromada leader (applicant) is bound to a hromada."), extra={"field": "hromada"})
    password_hash = hash_password(password)
    async with write_transaction():
        if await User.exists().where(User.email == email):
            raise Conflict(_("A user with this email already exists."), extra={"field": "email"})
        user = User(
            email=email,
            name=name.strip(),
            role=role,
            hromada=hromada_id,
            password_hash=password_hash,
            locale=locale if locale in ("uk", "en") else "uk",
        )
        await user.save()
        await audit.record(
            actor=actor,
            action="user.create",
            object_type="user",
            object_id=user.id,
            after={"email": email, "name": user.name, "role": role, "hromada": hromada_code},
        )
    return {"id": user.id, "email": email, "name": user.name, "role": role, "hromada_code": hromada_code}


async def list_users() -> list[dict[str, Any]]:
    return (
        await User.select(
            User.id,
            User.email,
            User.name,
            User.role,
            User.is_active,
            User.hromada.code.as_alias("hromada_code"),
            User.hromada.name.as_alias("hromada_name"),
            User.created_at,
        )
        .order_by(User.role)
        .order_by(User.email)
    )


async def set_user_active(*, user_id: int, active: bool, actor: audit.Actor) -> None:
    async with write_transaction():
        row = await User.select(User.is_active).where(User.id == user_id).first()
        if row is None:
            raise NotFound(_("There is no such user."))
        if row["is_active"] == active:
            return
        await User.update({User.is_active: active}).where(User.id == user_id)
        await audit.record(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            object_type="user",
            object_id=user_id,
            before={"is_active": row["is_active"]},
            after={"is_active": active},
        )


async def _recent_failures(column, value: str, since: datetime) -> int:
    return await LoginAttempt.count().where(
        (column == value) & (LoginAttempt.attempted_at >= since) & (LoginAttempt.succeeded == False)  # noqa: E712
    )


async def authenticate(*, email: str, password: str, address: str, limits: LoginLimits) -> CurrentUser:
    """Check a password. Too many recent failures for the account or the address refuse with 429.

    Wrong password and unknown email give the same message, so nobody learns which accounts exist.
    """
    email = normalise_email(email)
    # The key the attempts are counted under fits the column; a longer email matches no account anyway.
    account = email[:MAX_EMAIL_LENGTH]
    since = datetime.now(UTC) - limits.window
    minutes = int(limits.window.total_seconds() // 60)
    if await _recent_failures(LoginAttempt.account, account, since) >= limits.max_failures_per_account or (
        await _recent_failures(LoginAttempt.address, address, since) >= limits.max_failures_per_address
    ):
        raise TooManyRequests(
            _("Too many failed sign-in attempts. Wait %(minutes)s minutes and try again.", minutes=minutes),
            extra={"retry_after": int(limits.window.total_seconds())},
        )
    row = await User.select(User.id, User.password_hash, User.is_active).where(User.email == email).first()
    valid = False
    try:
        valid = _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password or "") and row is not None
    except (VerificationError, InvalidHashError):
        valid = False
    valid = valid and bool(row and row["is_active"])
    async with write_transaction():
        await LoginAttempt.insert(LoginAttempt(account=account, address=address, succeeded=valid))
        if valid:
            await audit.record(
                actor=audit.Actor(id=row["id"], label=email, address=address),
                action="user.login",
                object_type="user",
                object_id=row["id"],
            )
    if not valid:
        raise InvalidInput(_("The email or password is wrong. Check both and try again."))
    if _hasher.check_needs_rehash(row["password_hash"]):
        await User.update({User.password_hash: hash_password(password)}).where(User.id == row["id"])
    user = await load_user(row["id"])
    assert user is not None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(*, user: CurrentUser, name: str, actor: audit.Actor) -> dict[str, Any]:
    """A new bearer token; its clear text is returned once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user=user.id, name=(name or "").strip()[:100], token_hash=_token_hash(token), prefix=token[:12])
    async with write_transaction():
        await record.save()
        await audit.record(
            actor=actor,
            action="token.create",
            object_type="api_token",
            object_id=record.id,
            after={"name": record.name, "prefix": record.prefix},
        )
    return {"id": record.id, "token": token, "name": record.name, "prefix": record.prefix}


async def list_tokens(*, user: CurrentUser) -> list[dict[str, Any]]:
    return (
        await ApiToken.select(
            ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.created_at, ApiToken.last_used_at, ApiToken.revoked_at
        )
        .where(ApiToken.user == user.id)
        .order_by(ApiToken.id, ascending=False)
    )


async def revoke_token(*, user: CurrentUser, token_id: int, actor: audit.Actor) -> None:
    async with write_transaction():
        row = (
            await ApiToken.select(ApiToken.id, ApiToken.revoked_at)
            .where((ApiToken.id == token_id) & (ApiToken.user == user.id))
            .first()
        )
        if row is None:
            raise NotFound(_("There is no such token among yours."))
        if row["revoked_at"] is not None:
            return
        now = datetime.now(UTC)
        await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.id == token_id)
        await audit.record(
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            object_id=token_id,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )


async def user_for_token(token: str) -> CurrentUser | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    rows = await engine().run_querystring(KeyLookup(_USER_BY_TOKEN, _token_hash(token)))
    row = rows[0] if rows else None
    if row is None or row["revoked_at"] is not None or not row["is_active"]:
        return None
    now = datetime.now(UTC)
    last = row["last_used_at"]
    # Touch the token at most once a minute: a read-mostly API should not write on every call.
    if last is None or (now - last) > timedelta(minutes=1):
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return _current_user(row)
