"""Errors a person sees. Services raise these with a translated message; the app turns them into 4xx/503.

Each kind names its HTTP status (and the headers that status calls for) once, where it is declared."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    headers: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, *, status: int | None = None, headers: dict[str, str] | None = None, **kw: Any) -> None:
        """A kind states its status (and headers) once; a narrower kind of it keeps them unless it states its own."""
        super().__init_subclass__(**kw)
        cls.status_code = status or cls.status_code
        cls.headers = headers if headers is not None else cls.headers

    def __init__(
        self, message: str, *, extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if headers:  # what only this answer knows, e.g. a 429's Retry-After
            self.headers = {**type(self).headers, **headers}


# The credentials were wrong (RFC 6750: the answer names the scheme that would be accepted).
class Unauthenticated(DomainError, status=401, headers={"WWW-Authenticate": "Bearer"}): ...


# A bearer token was sent but does not verify: unknown, revoked, expired, or its account deactivated (RFC 6750 §3.1).
class InvalidToken(Unauthenticated, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}): ...


class NotAllowed(DomainError, status=403): ...


class NotFound(DomainError, status=404): ...


class Conflict(DomainError, status=409): ...


class PayloadTooLarge(DomainError, status=413): ...


class UnsupportedType(DomainError, status=415): ...


# Well-formed input that breaks a rule a schema cannot state; ``extra["field"]`` names the field.
class InvalidInput(DomainError, status=422): ...


class TooManyRequests(DomainError, status=429): ...


class ServiceUnavailable(DomainError, status=503): ...


class ErrorOut(msgspec.Struct):
    """The body of every error of the API, as the app's error handlers write it."""

    status_code: int
    detail: str
    extra: dict[str, Any] | None = None
