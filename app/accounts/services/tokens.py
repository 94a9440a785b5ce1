"""API tokens: issuing one (its clear text shown once, only its hash kept), listing, revoking, and whose it is.

Must not touch: how a person proves who they are before a token is issued (login.py), nor sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from app.accounts.services.users import USER_COLUMNS, CurrentUser, current_user_from_row
from app.accounts.tables import ApiToken
from app.platform import audit
from app.platform.db import KeyLookup, engine, write_transaction
from app.platform.errors import NotFound
from app.platform.i18n import _

TOKEN_PREFIX = "asc_"
# How long a token works unless the setting TOKEN_LIFETIME_DAYS says otherwise.
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)
# Every API call asks this: plain SQL, built once (see users.USER_COLUMNS).
_USER_BY_TOKEN = (
    f"SELECT t.id, t.revoked_at, t.expires_at, t.last_used_at, {USER_COLUMNS} "
    'FROM "api_token" t JOIN "app_user" u ON u.id = t."user" LEFT JOIN "hromada" h ON h.id = u.hromada '
    "WHERE t.token_hash = {}"
)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    *, user: CurrentUser, name: str, actor: audit.Actor, lifetime: timedelta = DEFAULT_TOKEN_LIFETIME
) -> dict[str, Any]:
    """A new bearer token that works for ``lifetime``; its clear text is returned once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user=user.id,
        name=(name or "").strip()[:100],
        token_hash=_token_hash(token),
        prefix=token[:12],
        expires_at=datetime.now(UTC) + lifetime,
    )
    await audit.save_new(
        record,
        actor=actor,
        action="token.create",
        object_type="api_token",
        after={"name": record.name, "prefix": record.prefix, "expires_at": record.expires_at.isoformat()},
    )
    return {
        "id": record.id,
        "token": token,
        "name": record.name,
        "prefix": record.prefix,
        "expires_at": record.expires_at,
    }


async def list_tokens(*, user: CurrentUser) -> list[dict[str, Any]]:
    return (
        await ApiToken.select(*ApiToken.all_columns(exclude=[ApiToken.user, ApiToken.token_hash]))
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
        await audit.update_recorded(
            ApiToken,
            token_id,
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            before={"revoked_at": None},
            after={"revoked_at": now},
        )


async def user_for_token(token: str) -> CurrentUser | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    rows = await engine().run_querystring(KeyLookup(_USER_BY_TOKEN, _token_hash(token)))
    row = rows[0] if rows else None
    now = datetime.now(UTC)
    if row is None or row["revoked_at"] is not None or not row["is_active"]:
        return None
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return None
    last = row["last_used_at"]
    # Touch the token at most once a minute: a read-mostly API should not write on every call.
    if last is None or (now - last) > timedelta(minutes=1):
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return current_user_from_row(row)
