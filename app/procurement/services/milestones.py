"""A project's milestones (OCDS statuses scheduled, met, notMet, partiallyMet): which are overdue, who may set
which, and the delivery milestones met by themselves once their lots are accepted. Must not touch lots."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from app.accounts.services.users import CurrentUser
from app.platform import audit
from app.platform.db import for_update, write_transaction
from app.platform.errors import InvalidInput, NotAllowed, NotFound
from app.platform.i18n import _
from app.procurement.services.inputs import is_whole, kyiv_today, parse_date
from app.procurement.services.projects import OfProjects, get_project
from app.procurement.tables import MILESTONE_STATUSES, Lot, Milestone, Project

OPENING = "asc_opened"  # the last milestone, which the hromada's leader reports
# Which delivery milestone a lot category completes once all such lots are accepted.
DELIVERY_MILESTONES = {
    "furniture": "furniture_delivered",
    "it_equipment": "equipment_installed",
    "queue_system": "equipment_installed",
    "mobile_asc": "equipment_installed",
    "software": "software_connected",
}


def is_overdue(milestone: dict[str, Any], today: date) -> bool:
    return milestone["status"] != "met" and milestone["due_date"] is not None and milestone["due_date"] < today


_MILESTONES = OfProjects(Milestone.select, Milestone.project, Milestone.position)
# What the stage of a project and the list of overdue milestones need (``project_stage``, ``is_overdue``).
_MILESTONE_STATES = OfProjects(
    lambda: Milestone.select(
        Milestone.project,
        Milestone.key,
        Milestone.title_uk,
        Milestone.title_en,
        Milestone.due_date,
        Milestone.status,
    ),
    Milestone.project,
    Milestone.position,
)


async def _milestones(
    select: OfProjects, project_ids: list[int], today: date | None
) -> dict[int, list[dict[str, Any]]]:
    today = today or kyiv_today()
    by_project = await select.by_project(project_ids)
    for rows in by_project.values():
        for row in rows:
            row["overdue"] = is_overdue(row, today)
    return by_project


async def milestones_of(project_ids: list[int], today: date | None = None) -> dict[int, list[dict[str, Any]]]:
    return await _milestones(_MILESTONES, project_ids, today)


async def milestone_states_of(project_ids: list[int], today: date | None = None) -> dict[int, list[dict[str, Any]]]:
    """The milestones of each project with only what their state needs (see ``_MILESTONE_STATES``)."""
    return await _milestones(_MILESTONE_STATES, project_ids, today)


async def set_milestone(
    *, project_id: int, key: str, data: dict[str, Any], user: CurrentUser, actor: audit.Actor
) -> dict[str, Any]:
    project = await get_project(project_id=project_id, user=user)
    if not user.is_staff and not (user.role == "applicant" and key == OPENING):
        raise NotAllowed(_("Only programme staff update milestones; the hromada's leader reports the opening."))
    status = data.get("status")
    if status not in MILESTONE_STATUSES:
        raise InvalidInput(
            _("The status must be one of: %(names)s.", names=", ".join(MILESTONE_STATUSES)), extra={"field": "status"}
        )
    date_met = parse_date(data.get("date_met"), "date_met")
    if status in ("met", "partiallyMet") and date_met is None:
        raise InvalidInput(_("Give the date the milestone was met."), extra={"field": "date_met"})
    if date_met and date_met > kyiv_today():
        raise InvalidInput(_("The date met cannot be in the future."), extra={"field": "date_met"})
    value = data.get("value")
    if value is not None and not is_whole(value, 0):
        raise InvalidInput(_("The number must be a whole number, zero or more."), extra={"field": "value"})
    async with write_transaction():
        row = await for_update(
            Milestone.select().where((Milestone.project == project_id) & (Milestone.key == key)), Milestone
        ).first()
        if row is None:
            raise NotFound(_("This project has no milestone %(key)s.", key=key))
        values = {
            "status": status,
            "date_met": date_met if status != "scheduled" else None,
            "note": str(data.get("note") or row["note"] or ""),
        }
        if "value" in data:
            values["value"] = value
        if "due_date" in data and user.is_staff:
            values["due_date"] = parse_date(data["due_date"], "due_date")
        await Milestone.update({getattr(Milestone, k): v for k, v in values.items()}).where(Milestone.id == row["id"])
        if key == OPENING:
            await Project.update({Project.opened_on: values["date_met"] if status == "met" else None}).where(
                Project.id == project_id
            )
        before, after = audit.changed_fields({k: row.get(k) for k in values}, values)
        await audit.record(
            actor=actor,
            action="milestone.update",
            object_type="project",
            object_id=project_id,
            before={"key": key, **before},
            after={"key": key, **after},
        )
    return (await milestones_of([project["id"]]))[project["id"]]


async def sync_delivery_milestones(project_id: int, actor: audit.Actor) -> None:
    """When every lot feeding a delivery milestone is accepted, the milestone is met on the last acceptance."""
    lots = await Lot.select(Lot.category, Lot.status, Lot.accepted_on).where(
        (Lot.project == project_id) & (Lot.status != "cancelled")
    )
    by_milestone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lot in lots:
        key = DELIVERY_MILESTONES.get(lot["category"])
        if key:
            by_milestone[key].append(lot)
    for key, feeding in by_milestone.items():
        if not all(lot["status"] == "accepted" for lot in feeding):
            continue
        met_on = max(lot["accepted_on"] for lot in feeding)
        row = await Milestone.select().where((Milestone.project == project_id) & (Milestone.key == key)).first()
        if row is None or (row["status"] == "met" and row["date_met"] == met_on):
            continue
        await Milestone.update({Milestone.status: "met", Milestone.date_met: met_on}).where(Milestone.id == row["id"])
        await audit.record(
            actor=actor,
            action="milestone.auto_met",
            object_type="project",
            object_id=project_id,
            before={"key": key, "status": row["status"]},
            after={"key": key, "status": "met", "date_met": met_on},
        )
