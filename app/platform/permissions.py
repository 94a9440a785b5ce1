"""Every permission answers (allowed, reason), so a page can say why not."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def allow() -> Permission:
    return Permission(True)


def deny(reason: str) -> Permission:
    return Permission(False, reason)
