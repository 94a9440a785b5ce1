"""Users: who they are (CurrentUser, as every request sees them), creating them, listing them, (de)activating them.

Must not touch: passwords beyond hashing a new one (passwords.py), signing in (login.py) or tokens (tokens.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from app.accounts.services.passwords import hash_password_in_thread, validate_password
from app.accounts.tables import ROLES, User
from app.platform import audit, documents
from app.platform.db import KeyLookup, engine, write_transaction
from app.platform.errors import Conflict, InvalidInput, NotFound
from app.platform.i18n import _
from app.registry.tables import Hromada

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254  # User.email and LoginAttempt.account are Varchar(254)


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


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


# Every page asks this (every API call, tokens' _USER_BY_TOKEN): plain SQL, built once, instead of an ORM query
# compiled per request (Piccolo's joins cost more to build than SQLite takes to answer them).
USER_COLUMNS = (
    "u.id AS user_id, u.email, u.name, u.role, u.hromada AS hromada_id, h.code AS hromada_code, u.locale, u.is_active"
)
_USER_BY_ID = f'SELECT {USER_COLUMNS} FROM "app_user" u LEFT JOIN "hromada" h ON h.id = u.hromada WHERE u.id = {{}}'


_ROW_FIELDS = tuple(field.name for field in fields(CurrentUser) if field.name != "id")


def current_user_from_row(row: dict[str, Any]) -> CurrentUser:
    """A CurrentUser from a row of USER_COLUMNS (the user's id is ``user_id``, beside a token's own ``id``)."""
    return CurrentUser(id=row["user_id"], **{name: row[name] for name in _ROW_FIELDS})


async def load_user(user_id: int) -> CurrentUser | None:
    rows = await engine().run_querystring(KeyLookup(_USER_BY_ID, user_id))
    if not rows or not rows[0]["is_active"]:
        return None
    return current_user_from_row(rows[0])


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
    password_hash = await hash_password_in_thread(password)
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
        after = {"email": email, "name": user.name, "role": role, "hromada": hromada_code}
        await audit.save_new(user, actor=actor, action="user.create", object_type="user", after=after)
    return {"id": user.id, "email": email, "name": user.name, "role": role, "hromada_code": hromada_code}


async def list_users() -> list[dict[str, Any]]:
    return (
        await User.select(
            *User.all_columns(exclude=[User.hromada, User.password_hash, User.locale]),
            User.hromada.code.as_alias("hromada_code"),
            User.hromada.name.as_alias("hromada_name"),
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
        await audit.update_recorded(
            User,
            user_id,
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            object_type="user",
            before={"is_active": row["is_active"]},
            after={"is_active": active},
        )


def uploader(user: CurrentUser) -> documents.Uploader:
    """Who is uploading or reading a document, as the platform's documents judge it."""
    return documents.Uploader(id=user.id, role=user.role, hromada_id=user.hromada_id)
