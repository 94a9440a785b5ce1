"""Server-side sessions for pages: a random id in a cookie, the session itself in a Litestar store."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import Cookie
from litestar.stores.base import Store

SESSION_COOKIE = "asc_session"
# Pages authenticate by session cookie; what starts with this prefix, by bearer token only.
API_PREFIX = "/api/"


@dataclass(frozen=True)
class SessionConfig:
    idle_seconds: int
    secure: bool


class Sessions:
    """Sessions live in a Litestar store (files under DATA_DIR, or Redis), keyed by a random id.

    A new id is issued at every login and the old one deleted; logout deletes the id; an idle
    session expires after ``idle_seconds`` without a request. Renewing rewrites the session in the store
    (a file write with the file store), so a process renews a session at most once a minute: the session
    then expires between ``idle_seconds`` minus a minute and ``idle_seconds`` after the last request.
    """

    RENEW_EVERY = 60.0
    _REMEMBERED = 10_000

    def __init__(self, store: Store, config: SessionConfig) -> None:
        self.store = store
        self.config = config
        self._renewed: dict[str, float] = {}

    async def load(self, session_id: str) -> dict[str, Any] | None:
        now = time.monotonic()
        renew = now - self._renewed.get(session_id, -self.RENEW_EVERY) >= self.RENEW_EVERY
        raw = await self.store.get(f"session:{session_id}", renew_for=self.config.idle_seconds if renew else None)
        if not raw:
            self._renewed.pop(session_id, None)
            return None
        if renew:
            if len(self._renewed) >= self._REMEMBERED:
                self._renewed = {k: t for k, t in self._renewed.items() if now - t < self.RENEW_EVERY}
            self._renewed[session_id] = now
        return json.loads(raw)

    async def start(self, user_id: int, previous_id: str | None = None) -> str:
        if previous_id:
            await self.end(previous_id)
        session_id = secrets.token_urlsafe(32)
        data = json.dumps({"user_id": user_id, "started": int(time.time())})
        await self.store.set(f"session:{session_id}", data, expires_in=self.config.idle_seconds)
        return session_id

    async def end(self, session_id: str) -> None:
        self._renewed.pop(session_id, None)
        await self.store.delete(f"session:{session_id}")

    def cookie(self, session_id: str) -> Cookie:
        # No max-age: the store renews the session at every request, and a fixed cookie lifetime
        # would sign an active user out when it ran out. The cookie ends with the browser session.
        return Cookie(
            key=SESSION_COOKIE,
            value=session_id,
            path="/",
            httponly=True,
            secure=self.config.secure,
            samesite="lax",
        )

    def expired_cookie(self) -> Cookie:
        return Cookie(
            key=SESSION_COOKIE,
            value="",
            path="/",
            httponly=True,
            secure=self.config.secure,
            samesite="lax",
            max_age=0,
            expires=0,
        )
