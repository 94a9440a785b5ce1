"""How the changes of rounds and applications enter the audit log: one call names the action and its object.
It decides the entry's object type (the action's first word); it must not decide what changed (the caller does)."""

from __future__ import annotations

from typing import Any

from app.platform import audit


async def record(
    actor: audit.Actor,
    action: str,
    object_id: int,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Enter ``action`` ("round.open": the object type before the dot) on ``object_id``, inside the caller's
    transaction."""
    object_type = action.split(".", 1)[0]
    await audit.record(
        actor=actor, action=action, object_type=object_type, object_id=object_id, before=before, after=after
    )
