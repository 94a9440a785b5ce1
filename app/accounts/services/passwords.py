"""Passwords: how they are hashed (argon2, its cost from settings), checked, and how long they must be.

Must not touch: who may sign in or how often (login.py), nor any table: it knows hashes, not users."""

from __future__ import annotations

import os

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.platform.errors import InvalidInput
from app.platform.i18n import _

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure_password_hashing(*, time_cost: int, memory_kib: int) -> None:
    """Set argon2's cost (from settings). Existing hashes stay valid and are upgraded at the next login."""
    global _hasher, _DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_kib):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        _DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether the password fits the hash; with no hash (an unknown account) it takes as long and answers no."""
    try:
        known = password_hash is not None
        return _hasher.verify(password_hash if known else _DUMMY_HASH, password or "") and known
    except (VerificationError, InvalidHashError):
        return False


# argon2 takes a fifth of a second of CPU at production cost, and releases the GIL while it works: run it in a
# worker thread so one sign-in does not stall every other request, on all cores but one (the event loop's), so
# that a burst of sign-ins queues behind itself instead of taking the CPU from everyone else.
_HASHING_THREADS = max(1, (os.cpu_count() or 2) - 1)
_hashing_limiter: anyio.CapacityLimiter | None = None


def _limiter() -> anyio.CapacityLimiter:
    global _hashing_limiter
    if _hashing_limiter is None:
        _hashing_limiter = anyio.CapacityLimiter(_HASHING_THREADS)
    return _hashing_limiter


async def hash_password_in_thread(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_limiter())


async def password_matches_in_thread(password_hash: str | None, password: str) -> bool:
    return await anyio.to_thread.run_sync(password_matches, password_hash, password, limiter=_limiter())


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made at another cost than the one configured now."""
    return _hasher.check_needs_rehash(password_hash)


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password must be at least %(n)s characters long.", n=MIN_PASSWORD_LENGTH),
            extra={"field": "password"},
        )
