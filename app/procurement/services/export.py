"""The staff's workbook of a round (or of all rounds): projects, lots and milestones as three XLSX sheets.
Must not decide a figure of its own: stages and totals come from the dashboard and money modules."""

from __future__ import annotations

import tempfile
from datetime import date

from app.platform.cells import xlsx_row
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
# The rows' keys, in the order of the headers; amounts are shown in major units.
LOT_KEYS = (
    "id project category method status estimate_minor currency prozorro_id supplier_name supplier_edrpou "
    "contract_number contract_date contract_value_minor contract_currency exchange_rate accepted_on"
).split()
MILESTONE_KEYS = "project key title_uk due_date status date_met overdue value note".split()


def _major(minor: int | None) -> float | None:
    return None if minor is None else round(minor / 100, 2)


SHOWN = {"estimate_minor": _major, "contract_value_minor": _major, "overdue": lambda overdue: "yes" if overdue else ""}


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
            xlsx_row(
                sheet,
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
                ],
            )
        )
    for title, header, keys, rows_of in (
        ("Lots", LOT_HEADER, LOT_KEYS, lots),
        ("Milestones", MILESTONE_HEADER, MILESTONE_KEYS, milestones),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for project_id in ids:
            for row in rows_of[project_id]:
                sheet.append(xlsx_row(sheet, [SHOWN[key](row[key]) if key in SHOWN else row[key] for key in keys]))
    workbook.save(path)


async def export_to_file(*, round_id: int | None) -> str:
    """The workbook (of ``round_id``, or of all rounds) written to a new temporary file: its path, for the caller
    to remove once sent."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    await export_workbook(round_id=round_id, path=handle.name)
    return handle.name
