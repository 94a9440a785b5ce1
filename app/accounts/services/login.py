"""Signing in: whether an email and password let someone in, and when too many failures refuse them for a while.

Must not touch: sessions or tokens (the callers start those), nor how passwords are hashed (passwords.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.accounts.services.passwords import hash_password, needs_rehash, password_matches
from app.accounts.services.users import MAX_EMAIL_LENGTH, CurrentUser, load_user, normalise_email
from app.accounts.tables import LoginAttempt, User
from app.platform import audit
from app.platform.db import write_transaction
from app.platform.errors import TooManyRequests, Unauthenticated
from app.platform.i18n import _
from app.platform.settings import Settings


@dataclass(frozen=True)
class LoginLimits:
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def login_limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        max_failures_per_account=settings.login_max_failures_per_account,
        max_failures_per_address=settings.login_max_failures_per_address,
        window=timedelta(minutes=settings.login_window_minutes),
    )


async def _recent_failures(column, value: str, since: datetime) -> int:
    return await LoginAttempt.count().where(
        (column == value) & (LoginAttempt.attempted_at >= since) & (LoginAttempt.succeeded == False)  # noqa: E712
    )


async def authenticate(*, email: str, password: str, address: str, limits: LoginLimits) -> CurrentUser:
    """Check a password. Too many recent failures for the account or the address refuse with 429.

    Wrong password and unknown email give the same message (a 401), so nobody learns which accounts exist.
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
    valid = password_matches(row["password_hash"] if row else None, password) and bool(row and row["is_active"])
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
        raise Unauthenticated(_("The email or password is wrong. Check both and try again."))
    if needs_rehash(row["password_hash"]):
        await User.update({User.password_hash: hash_password(password)}).where(User.id == row["id"])
    user = await load_user(row["id"])
    assert user is not None
    return user
