"""The staff's workbook of a round (or of all rounds): projects, lots and milestones as three XLSX sheets.
Must not decide a figure of its own: stages and totals come from the dashboard and money modules."""

from __future__ import annotations

import tempfile
from datetime import date

from app.procurement.services.dashboard import dashboard
from app.procurement.services.lots import lots_of
from app.procurement.services.milestones import milestones_of
from app.procurement.services.money import MONEY_KINDS, latest_rate, project_totals

PROJECT_HEADER = [
    "project",
    "hromada_code",
    "hromada",
    "oblast",
    "round",
    "stage",
    "opened_on",
    *[f"{kind}_uah" for kind in MONEY_KINDS],
    *[f"{kind}_eur" for kind in MONEY_KINDS],
]
LOT_HEADER = [
    "lot",
    "project",
    "category",
    "method",
    "status",
    "estimate",
    "currency",
    "prozorro_id",
    "supplier",
    "edrpou",
    "contract_number",
    "contract_date",
    "contract_value",
    "contract_currency",
    "exchange_rate",
    "accepted_on",
]
MILESTONE_HEADER = ["project", "key", "title", "due_date", "status", "date_met", "overdue", "value", "note"]


def _major(minor: int | None) -> float | None:
    return None if minor is None else round(minor / 100, 2)


async def export_workbook(*, round_id: int | None, path: str, today: date | None = None) -> None:
    """Projects, lots and milestones as three sheets of one XLSX file, written row by row."""
    from openpyxl import Workbook  # only the export needs it: not loaded at start-up

    data = await dashboard(round_id=round_id, today=today)
    ids = [p["id"] for p in data["projects"]]
    lots = await lots_of(ids)
    milestones = await milestones_of(ids, today=data["today"])
    rate = await latest_rate()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Projects")
    sheet.append(PROJECT_HEADER)
    for project in data["projects"]:
        totals = project_totals({project["id"]: lots[project["id"]]}, rate)
        sheet.append(
            [
                project["id"],
                project["hromada_code"],
                project["hromada_name"],
                project["oblast_name_uk"],
                project["round_title_uk"],
                project["stage"],
                project["opened_on"],
                *[_major(totals[k]["UAH"]) for k in MONEY_KINDS],
                *[_major(totals[k]["EUR"]) for k in MONEY_KINDS],
            ]
        )
    sheet = workbook.create_sheet("Lots")
    sheet.append(LOT_HEADER)
    for project_id in ids:
        for lot in lots[project_id]:
            sheet.append(
                [
                    lot["id"],
                    project_id,
                    lot["category"],
                    lot["method"],
                    lot["status"],
                    _major(lot["estimate_minor"]),
                    lot["currency"],
                    lot["prozorro_id"],
                    lot["supplier_name"],
                    lot["supplier_edrpou"],
                    lot["contract_number"],
                    lot["contract_date"],
                    _major(lot["contract_value_minor"]),
                    lot["contract_currency"],
                    lot["exchange_rate"],
                    lot["accepted_on"],
                ]
            )
    sheet = workbook.create_sheet("Milestones")
    sheet.append(MILESTONE_HEADER)
    for project_id in ids:
        for milestone in milestones[project_id]:
            sheet.append(
                [
                    project_id,
                    milestone["key"],
                    milestone["title_uk"],
                    milestone["due_date"],
                    milestone["status"],
                    milestone["date_met"],
                    "yes" if milestone["overdue"] else "",
                    milestone["value"],
                    milestone["note"],
                ]
            )
    workbook.save(path)


async def export_to_file(*, round_id: int | None) -> str:
    """The workbook (of ``round_id``, or of all rounds) written to a new temporary file: its path, for the caller
    to remove once sent."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    await export_workbook(round_id=round_id, path=handle.name)
    return handle.name
