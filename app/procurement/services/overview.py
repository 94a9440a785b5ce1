"""A project as a whole: its stage (selected, contracted, delivered, opened), its full detail (package, lots,
milestones, money) and the list of projects with their stages and totals. Must not change anything: it reads."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.accounts.services.users import CurrentUser
from app.procurement.services.lots import LOT_FLOW, lot_money_of, lots_of
from app.procurement.services.milestones import OPENING, milestone_states_of, milestones_of
from app.procurement.services.money import latest_rate, project_totals
from app.procurement.services.projects import get_project, list_projects, package_of

STAGES = ("selected", "contracted", "delivered", "opened")


def project_stage(lots: list[dict[str, Any]], milestones: list[dict[str, Any]]) -> str:
    if any(m["key"] == OPENING and m["status"] == "met" for m in milestones):
        return "opened"
    live = [lot for lot in lots if lot["status"] != "cancelled"]
    if live and all(lot["status"] in ("delivered", "accepted") for lot in live):
        return "delivered"
    if live and all(LOT_FLOW.index(lot["status"]) >= LOT_FLOW.index("contracted") for lot in live):
        return "contracted"
    return "selected"


async def project_detail(*, project_id: int, user: CurrentUser, today: date | None = None) -> dict[str, Any]:
    project = await get_project(project_id=project_id, user=user)
    lots = await lots_of([project_id])
    milestones = await milestones_of([project_id], today=today)
    package = await package_of(project_id)
    rate = await latest_rate()
    totals = project_totals(lots, rate)
    return {
        "project": project,
        "lots": lots[project_id],
        "milestones": milestones[project_id],
        "package": package,
        "totals": totals,
        "stage": project_stage(lots[project_id], milestones[project_id]),
    }


async def project_rows(*, user: CurrentUser, round_id: int | None) -> list[dict[str, Any]]:
    """The projects the user may see, each with its stage, its count of overdue milestones and of lots, and its
    totals: what the list of projects shows."""
    projects = await list_projects(user=user, round_id=round_id)
    ids = [p["id"] for p in projects]
    lots = await lot_money_of(ids)
    milestones = await milestone_states_of(ids)
    rate = await latest_rate()
    for project in projects:
        mine = lots[project["id"]]
        project["stage"] = project_stage(mine, milestones[project["id"]])
        project["overdue"] = sum(1 for m in milestones[project["id"]] if m["overdue"])
        project["lots"] = len(mine)
        project["totals"] = project_totals({project["id"]: mine}, rate)
    return projects
