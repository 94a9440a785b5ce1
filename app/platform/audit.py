"""The audit log: an append-only record of every state change, written in the change's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from piccolo.table import Table

from app.platform.db import write_transaction
from app.platform.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user, or the system (a command line run, an import)."""

    id: int | None
    label: str
    address: str = ""


SYSTEM = Actor(id=None, label="system")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


async def record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add one entry. Call it inside the same transaction as the change it describes."""
    await AuditEntry.insert(
        AuditEntry(
            actor_id=actor.id,
            actor=actor.label,
            address=actor.address,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
        )
    )


async def save_new(row: Table, *, actor: Actor, action: str, object_type: str, after: dict[str, Any]) -> None:
    """Save a new row and record its creation (under its new id) in one write transaction, or in the caller's."""
    async with write_transaction():
        await row.save()
        await record(actor=actor, action=action, object_type=object_type, object_id=row.id, after=after)


async def update_recorded(
    table: type[Table],
    row_id: int,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Write ``after`` (column name: value) to one row and record the change from ``before``; call it inside the
    write transaction that read ``before``."""
    await table.update({table._meta.get_column_by_name(name): value for name, value in after.items()}).where(
        table._meta.primary_key == row_id
    )
    await record(actor=actor, action=action, object_type=object_type, object_id=row_id, before=before, after=after)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# How each filter of the audit log narrows it: the first three match exactly, the actor by a part of its label.
_FILTERS = {
    "action": lambda value: AuditEntry.action == value,
    "object_type": lambda value: AuditEntry.object_type == value,
    "object_id": lambda value: AuditEntry.object_id == value,
    "actor": lambda value: AuditEntry.actor.like(f"%{value.lower()}%"),
}


async def search(
    *, filters: Mapping[str, str] | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Entries newest first, narrowed by the filters given (action, object_type, object_id, actor; an empty value
    does not narrow); with the total count of matching entries."""
    conditions = [_FILTERS[name](value) for name, value in (filters or {}).items() if value]
    query = AuditEntry.select().order_by(AuditEntry.id, ascending=False).limit(limit).offset(offset)
    count = AuditEntry.count()
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    rows = await query
    for row in rows:
        row["before"] = _json(row["before"])
        row["after"] = _json(row["after"])
    return rows, await count


def _json(value: Any) -> Any:
    import json

    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


async def action_names() -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    return [row["action"] for row in rows]
