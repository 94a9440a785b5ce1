"""The procurement dashboard of a round or a programme: how many winners reached each stage, the overdue
milestones, and money per oblast and in total. Must not change anything: it reads."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.procurement.services.inputs import kyiv_today
from app.procurement.services.lots import lot_money_of
from app.procurement.services.milestones import milestone_states_of
from app.procurement.services.money import MONEY_KINDS, add_amounts, empty_totals, latest_rate, lot_amounts
from app.procurement.services.overview import STAGES, project_stage
from app.procurement.services.projects import projects_where


def _overdue_row(project: dict[str, Any], milestone: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "project_id": project["id"],
        "hromada_name": project["hromada_name"],
        "hromada_code": project["hromada_code"],
        "key": milestone["key"],
        "title_uk": milestone["title_uk"],
        "title_en": milestone["title_en"],
        "due_date": milestone["due_date"],
        "days_late": (today - milestone["due_date"]).days,
    }


async def dashboard(
    *, round_id: int | None = None, programme_id: int | None = None, today: date | None = None
) -> dict[str, Any]:
    """Stages, overdue milestones and money per oblast, for a round or the whole programme."""
    today = today or kyiv_today()
    projects = await projects_where(round_id=round_id, programme_id=programme_id)
    ids = [p["id"] for p in projects]
    lots = await lot_money_of(ids)
    milestones = await milestone_states_of(ids, today=today)
    rate = await latest_rate()
    stages = {stage: 0 for stage in STAGES}
    per_oblast: dict[str, dict[str, Any]] = {}
    overdue = []
    for project in projects:
        stage = project_stage(lots[project["id"]], milestones[project["id"]])
        project["stage"] = stage
        stages[stage] += 1
        oblast = per_oblast.setdefault(
            project["oblast_code"],
            {
                "oblast_code": project["oblast_code"],
                "oblast_name_uk": project["oblast_name_uk"],
                "oblast_name_en": project["oblast_name_en"],
                "projects": 0,
                **empty_totals(),
            },
        )
        oblast["projects"] += 1
        for lot in lots[project["id"]]:
            add_amounts(oblast, lot_amounts(lot, rate))
        overdue.extend(_overdue_row(project, m, today) for m in milestones[project["id"]] if m["overdue"])
    overdue.sort(key=lambda m: (-m["days_late"], m["hromada_name"]))
    totals = empty_totals()
    for oblast in per_oblast.values():
        add_amounts(totals, {k: oblast[k] for k in MONEY_KINDS})
    # Stages are cumulative for the headline figures: an opened centre was also contracted and delivered.
    reached = {stage: sum(stages[s] for s in STAGES[i:]) for i, stage in enumerate(STAGES)}
    return {
        "today": today,
        "projects": projects,
        "stages": stages,
        "reached": reached,
        "overdue": overdue,
        "per_oblast": sorted(per_oblast.values(), key=lambda o: o["oblast_code"]),
        "totals": totals,
        "rate": str(rate) if rate else None,
    }
