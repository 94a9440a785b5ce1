"""Signing in: whether an email and password let someone in, and when too many failures refuse them for a while.

Must not touch: sessions or tokens (the callers start those), nor how passwords are hashed (passwords.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.accounts.services.passwords import hash_password_in_thread, needs_rehash, password_matches_in_thread
from app.accounts.services.users import MAX_EMAIL_LENGTH, CurrentUser, load_user, normalise_email
from app.accounts.tables import LoginAttempt, User
from app.platform import audit
from app.platform.db import write_transaction
from app.platform.errors import TooManyRequests, Unauthenticated
from app.platform.i18n import _
from app.platform.settings import Settings


@dataclass(frozen=True)
class LoginLimits:
    """When failed sign-ins make someone wait. An account is guarded per address, so that failures from elsewhere
    never lock its owner out: one address gets ``max_failures_per_account`` tries at an account, then waits a delay
    that doubles with each further failure (up to ``window``); one address gets ``max_failures_per_address``
    failures over all accounts per ``window``; and once an account has ``max_failures_per_account_everywhere``
    failures per ``window`` from all addresses together, only the addresses it signed in from before get through."""

    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    max_failures_per_account_everywhere: int = 100
    window: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(minutes=1)
    remember_addresses: timedelta = timedelta(days=90)


def login_limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        max_failures_per_account=settings.login_max_failures_per_account,
        max_failures_per_address=settings.login_max_failures_per_address,
        max_failures_per_account_everywhere=settings.login_max_failures_per_account_everywhere,
        window=timedelta(minutes=settings.login_window_minutes),
    )


async def _failure_times(where, since: datetime, most: int) -> list[datetime]:
    """The times of the latest ``most`` failures that match ``where`` since ``since``, newest first."""
    rows = (
        await LoginAttempt.select(LoginAttempt.attempted_at)
        .where(where & (LoginAttempt.attempted_at >= since) & (LoginAttempt.succeeded == False))  # noqa: E712
        .order_by(LoginAttempt.attempted_at, ascending=False)
        .limit(most)
    )
    return [row["attempted_at"] for row in rows]


async def _signed_in_from(account: str, address: str, since: datetime) -> bool:
    return await LoginAttempt.exists().where(
        (LoginAttempt.account == account)
        & (LoginAttempt.address == address)
        & (LoginAttempt.succeeded == True)  # noqa: E712
        & (LoginAttempt.attempted_at >= since)
    )


async def retry_after(*, account: str, address: str, limits: LoginLimits, now: datetime) -> timedelta | None:
    """How long this address must wait before it may try this account again, or None when it may now."""
    since = now - limits.window
    waits: list[datetime] = []
    # This address at this account: a delay that doubles with every failure past the limit, from the last one.
    pair = await _failure_times((LoginAttempt.account == account) & (LoginAttempt.address == address), since, most=64)
    if len(pair) >= limits.max_failures_per_account:
        delay = limits.first_delay * 2 ** (len(pair) - limits.max_failures_per_account)
        waits.append(pair[0] + min(delay, limits.window))
    # This address at any account: the window runs from the oldest failure that counts.
    address_times = await _failure_times(LoginAttempt.address == address, since, most=limits.max_failures_per_address)
    if len(address_times) >= limits.max_failures_per_address:
        waits.append(address_times[-1] + limits.window)
    # This account from everywhere: strangers wait, the addresses its owner signed in from do not.
    everywhere = limits.max_failures_per_account_everywhere
    account_times = await _failure_times(LoginAttempt.account == account, since, most=everywhere)
    if len(account_times) >= everywhere and not await _signed_in_from(
        account, address, now - limits.remember_addresses
    ):
        waits.append(account_times[-1] + limits.window)
    until = max(waits, default=None)
    return until - now if until is not None and until > now else None


def _too_many(wait: timedelta) -> TooManyRequests:
    seconds = max(1, math.ceil(wait.total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    return TooManyRequests(
        _("Too many failed sign-in attempts. Wait %(minutes)s min and try again.", minutes=minutes),
        extra={"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )


async def authenticate(*, email: str, password: str, address: str, limits: LoginLimits) -> CurrentUser:
    """Check a password. Too many recent failures for the account or the address refuse with 429.

    Wrong password and unknown email give the same message (a 401), so nobody learns which accounts exist.
    """
    email = normalise_email(email)
    # The key the attempts are counted under fits the column; a longer email matches no account anyway.
    account = email[:MAX_EMAIL_LENGTH]
    wait = await retry_after(account=account, address=address, limits=limits, now=datetime.now(UTC))
    if wait is not None:
        raise _too_many(wait)
    row = await User.select(User.id, User.password_hash, User.is_active).where(User.email == email).first()
    matches = await password_matches_in_thread(row["password_hash"] if row else None, password)
    valid = matches and bool(row and row["is_active"])
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
        await User.update({User.password_hash: await hash_password_in_thread(password)}).where(User.id == row["id"])
    user = await load_user(row["id"])
    assert user is not None
    return user
