"""The spreadsheet answers of rounds: a round's or a programme's applications as CSV or XLSX, the registry's verdicts
as CSV. The API and the staff's pages answer with these; what the rows hold is the export services' business."""

from __future__ import annotations

from litestar.response import File, Stream

from app.accounts.services.users import CurrentUser
from app.applications.services import eligibility, exports
from app.platform.i18n import get_locale
from app.platform.spreadsheets import csv_stream, xlsx_stream


async def applications_csv(user: CurrentUser, round_id: int) -> Stream:
    meta, rows = await exports.export_rows(round_id=round_id, user=user, locale=get_locale())
    return csv_stream(iter([meta["header"], *rows]), f"round-{round_id}-applications.csv")


async def applications_xlsx(user: CurrentUser, round_id: int) -> File:
    header, batches = await exports.export_stream(round_id=round_id, user=user, locale=get_locale())
    return await xlsx_stream(header, batches, f"round-{round_id}-applications.xlsx", f"Round {round_id}")


async def programme_applications_xlsx(user: CurrentUser, code: str) -> File:
    header, batches = await exports.export_stream(programme_code=code, user=user, locale=get_locale())
    return await xlsx_stream(header, batches, f"{code}-applications.xlsx", code)


async def eligibility_csv(user: CurrentUser, round_id: int) -> Stream:
    rows = await eligibility.eligibility_rows(round_id=round_id, user=user, locale=get_locale())
    return csv_stream(rows, f"round-{round_id}-eligibility.csv")
