"""Logs an operator can use: one line per event, JSON lines in production and readable text in development, each
with the id of the request it belongs to (sent back as X-Request-ID). It decides how lines look, not what is logged."""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = b"x-request-id"
_request_id: ContextVar[str] = ContextVar("request_id", default="-")
# A proxy's own request id is kept when it looks like one, so one id follows the request through both logs.
_PLAUSIBLE_ID = re.compile(rb"[A-Za-z0-9._:-]{8,128}")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Gives every HTTP request an id: the context of its log lines, ``scope["request_id"]`` and X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((value for name, value in scope.get("headers", []) if name == REQUEST_ID_HEADER), b"")
        request_id = incoming.decode("ascii") if _PLAUSIBLE_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope["request_id"] = request_id
        token = _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode("ascii"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


READABLE_FORMAT = "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"


def logging_config(*, json_lines: bool, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the app and uvicorn alike (``uvicorn.run(log_config=...)``)."""
    formatter: dict[str, Any] = (
        {"()": JsonLinesFormatter} if json_lines else {"format": READABLE_FORMAT, "datefmt": "%Y-%m-%d %H:%M:%S"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("asc", "uvicorn", "uvicorn.error", "uvicorn.access", "litestar")
        },
    }
