"""One application as its reader may see it: the columns read with it, who may view it, the leader's own list.
It decides reading and visibility only; it must not change an application (drafts, submission, screening do)."""

from __future__ import annotations

from functools import cache
from typing import Any

from app.accounts.services.users import CurrentUser
from app.applications.tables import Application
from app.platform.db import PreparedSelect, for_update, json_column
from app.platform.errors import NotAllowed, NotFound
from app.platform.i18n import _


def decode_application(row: dict[str, Any]) -> dict[str, Any]:
    """An application (or revision) row with its JSON answers and verdict read."""
    for key in ("answers", "verdict"):
        if key in row:
            row[key] = json_column(row[key])
    return row


@cache
def application_columns() -> tuple:
    """Built once: each ``Application.hromada.code``-style join path costs Piccolo a copy of the column.
    Not the rules snapshot: it is kept as the record of the rules an application was judged by, and no page or
    call shows it; decoding it was a fifth of the cost of a page of the applications list."""
    return (
        Application.all_columns(exclude=[Application.rules_snapshot]),
        Application.hromada.code.as_alias("hromada_code"),
        Application.hromada.full_name.as_alias("hromada_name"),
        Application.hromada.population.as_alias("hromada_population"),
        Application.hromada.oblast.code.as_alias("oblast_code"),
        Application.hromada.oblast.name_uk.as_alias("oblast_name_uk"),
        Application.hromada.oblast.name_en.as_alias("oblast_name_en"),
        Application.round.title_uk.as_alias("round_title_uk"),
        Application.round.title_en.as_alias("round_title_en"),
        Application.round.deadline.as_alias("round_deadline"),
    )


def can_view(user: CurrentUser, application: dict[str, Any]) -> bool:
    if user.is_staff:
        return True
    return user.role == "applicant" and user.hromada_id == application["hromada"]


_APPLICATION_BY_ID = PreparedSelect(
    lambda application_id: Application.select(*application_columns()).where(Application.id == application_id),
    params=1,
    key_lookup=True,
)


async def get_application(*, application_id: int, user: CurrentUser, lock: bool = False) -> dict[str, Any]:
    """The application if ``user`` may see it; otherwise 404, so nobody learns what exists."""
    if lock:
        query = Application.select(*application_columns()).where(Application.id == application_id)
        row = await for_update(query, Application).first()
    else:
        row = await _APPLICATION_BY_ID.first(application_id)
    if row is None or not can_view(user, row):
        raise NotFound(_("There is no such application among those you can see."))
    return decode_application(row)


async def hromada_application_id(*, round_id: int, hromada_id: int) -> int | None:
    """The id of the hromada's application in the round, if it has one (a hromada files once per round)."""
    row = (
        await Application.select(Application.id)
        .where((Application.round == round_id) & (Application.hromada == hromada_id))
        .first()
    )
    return row["id"] if row else None


async def my_applications(*, user: CurrentUser) -> list[dict[str, Any]]:
    if user.role != "applicant" or user.hromada_id is None:
        return []
    rows = (
        await Application.select(*application_columns())
        .where(Application.hromada == user.hromada_id)
        .order_by(Application.id, ascending=False)
    )
    return [decode_application(row) for row in rows]


def require_staff(user: CurrentUser, refusal: str) -> None:
    """Refuse with ``refusal`` unless ``user`` is programme staff."""
    if not user.is_staff:
        raise NotAllowed(refusal)
