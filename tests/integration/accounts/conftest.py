"""Helpers shared by the accounts tests."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest

from app.platform.sessions import SESSION_COOKIE

SIGNED_IN_AS = re.compile(r'action="/logout".*?\(([^()]*)\)\s*</button>', re.S)
# A form's error paragraph, or the message of the error page.
ERROR_NOTICE = re.compile(
    r'<p class="notice error"[^>]*>(.*?)</p>|<article class="notice error"[^>]*>.*?<p>(.*?)</p>', re.S
)


def in_english(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """Pages follow the language cookie first, so the messages can be read in English."""
    http.cookies.set("asc_lang", "en")
    return http


def session_cookie(response: httpx.Response) -> str | None:
    return response.cookies.get(SESSION_COOKIE)


def set_cookie_header(response: httpx.Response, name: str) -> str:
    headers = [value for value in response.headers.get_list("set-cookie") if value.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def error_notice(response: httpx.Response) -> str:
    match = ERROR_NOTICE.search(response.text)
    assert match, response.text[:2000]
    return (match.group(1) or match.group(2)).strip()


async def signed_in_as(http: httpx.AsyncClient, cookie: str | None = None) -> str | None:
    """Whose session a request carries: the name on the start page's sign-out button, or None.

    With ``cookie``, that session id is sent by hand as the only cookie (a replayed cookie).
    """
    headers = {"cookie": f"{SESSION_COOKIE}={cookie}"} if cookie is not None else None
    page = await http.get("/", headers=headers)
    assert page.status_code == 200
    match = SIGNED_IN_AS.search(page.text)
    return match.group(1) if match else None


class Clock:
    """Moves the session store's idea of "now" forward, so expiry is tested without sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def store_clock(monkeypatch) -> Clock:
    import litestar.stores.base as store_base

    clock = Clock()

    class ShiftedDatetime(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001 - mirrors datetime.now
            return datetime.now(tz) + clock.offset

    monkeypatch.setattr(store_base, "datetime", ShiftedDatetime)
    return clock
