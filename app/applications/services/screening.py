"""Screening a round's submitted applications: the staff's verdict (the computed one confirmed or overridden with a
reason), the queue's filters, sorting and paging, and the count of each status. It must not change a draft."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from piccolo.query.methods.select import Count as PiccoloCount

from app.accounts.services.users import CurrentUser
from app.applications.services.applications import (
    application_columns,
    decode_application,
    get_application,
    require_staff,
)
from app.applications.services.records import record
from app.applications.services.rounds import get_round, now_utc
from app.applications.tables import Application
from app.platform import audit
from app.platform.db import PreparedSelect, write_transaction
from app.platform.errors import Conflict, InvalidInput
from app.platform.i18n import _

SCREENABLE = ("submitted", "eligible", "ineligible")


async def screen(
    *, application_id: int, eligible: bool | None, reason: str, user: CurrentUser, actor: audit.Actor
) -> dict[str, Any]:
    """Staff confirm the computed verdict (``eligible`` None or equal to it) or override it with a reason."""
    require_staff(user, _("Only programme staff screen applications."))
    reason = (reason or "").strip()
    async with write_transaction():
        application = await get_application(application_id=application_id, user=user, lock=True)
        if application["status"] not in SCREENABLE:
            raise Conflict(
                _("Only submitted applications are screened; this one is %(status)s.", status=application["status"])
            )
        computed = bool((application["verdict"] or {}).get("eligible"))
        decision = computed if eligible is None else eligible
        override = decision != computed
        if override and not reason:
            raise InvalidInput(_("Write the reason for overriding the computed verdict."), extra={"field": "reason"})
        status = "eligible" if decision else "ineligible"
        await Application.update(
            {
                Application.status: status,
                Application.eligible: decision,
                Application.screening_override: override,
                Application.screening_reason: reason,
                Application.screened_by: user.id,
                Application.screened_at: now_utc(),
                Application.updated_at: now_utc(),
            }
        ).where(Application.id == application_id)
        await record(
            actor,
            "application.screen",
            application_id,
            before={"status": application["status"], "eligible": application["eligible"]},
            after={"status": status, "eligible": decision, "override": override, "reason": reason},
        )
    return await get_application(application_id=application_id, user=user)


APPLICATION_SORTS = {
    "hromada": lambda: Application.hromada.sort_name,
    "oblast": lambda: Application.hromada.oblast.code,
    "population": lambda: Application.hromada.population,
    "submitted": lambda: Application.submitted_at,
    "status": lambda: Application.status,
    "eligible": lambda: Application.eligible,
}


async def list_applications(
    *,
    round_id: int,
    user: CurrentUser,
    status: str = "",
    oblast: str = "",
    q: str = "",
    eligible: str = "",
    limit: int = 50,
    offset: int = 0,
    sort: str = "",
    known_total: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """``sort`` is a key of APPLICATION_SORTS, "-" in front for descending; submission order otherwise.
    ``known_total``: the number of matches when the caller has it already (the count query is then skipped)."""
    require_staff(user, _("Only programme staff see all applications of a round."))
    await get_round(round_id)
    filters = {
        "status": status,
        "oblast": oblast,
        "q": f"%{q.strip().casefold()}%" if q.strip() else "",
        "eligible": (eligible == "yes") if eligible in ("yes", "no") else None,
    }
    given = tuple(name for name, value in filters.items() if value not in ("", None))
    select, count = _application_list_selects(given, sort, limit, offset)
    values = (round_id, *(filters[name] for name in given))
    rows = await select.rows(*values)
    if known_total is None:
        counted = await count.first(*values)
        known_total = counted["count"] if counted else 0
    return [decode_application(row) for row in rows], known_total


_LIST_FILTERS = {
    "status": lambda value: Application.status == value,
    "oblast": lambda value: Application.hromada.oblast.code == value,
    "q": lambda value: Application.hromada.search_text.like(value),
    "eligible": lambda value: Application.eligible == value,
}


@lru_cache(maxsize=512)
def _application_list_selects(
    given: tuple[str, ...], sort: str, limit: int, offset: int
) -> tuple[PreparedSelect, PreparedSelect]:
    """The list's select and count for one combination of filters, sort and page (values are parameters)."""

    def where(query, round_id, *values):
        query = query.where(Application.round == round_id)
        if "status" not in given:
            query = query.where(Application.status != "draft")
        for name, value in zip(given, values, strict=True):
            query = query.where(_LIST_FILTERS[name](value))
        return query

    def select(*values):
        column = APPLICATION_SORTS.get(sort.removeprefix("-"), APPLICATION_SORTS["submitted"])()
        query = Application.select(*application_columns()).order_by(column, ascending=not sort.startswith("-"))
        return where(query.order_by(Application.id), *values).limit(limit).offset(offset)

    def count(*values):
        return where(Application.select(PiccoloCount(alias="count")), *values)

    return PreparedSelect(select, params=1 + len(given)), PreparedSelect(count, params=1 + len(given))


_STATUS_COUNTS = PreparedSelect(
    lambda round_id: (
        Application.select(Application.status, PiccoloCount(alias="n"))
        .where(Application.round == round_id)
        .group_by(Application.status)
    ),
    params=1,
)


async def application_status_counts(*, round_id: int, user: CurrentUser) -> dict[str, int]:
    """How many of the round's applications are in each status (drafts included), for the screening queue."""
    require_staff(user, _("Only programme staff see all applications of a round."))
    return {row["status"]: row["n"] for row in await _STATUS_COUNTS.rows(round_id)}
