"""How the site writes CSV and XLSX answers: a CSV streamed row by row, an XLSX written to disk and sent from there,
every cell through app.platform.cells (no live formula, nothing the format cannot hold), the XLSX work off the event
loop. It decides the file format and the response; it must not choose an export's columns (each domain's services
do)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio.to_thread
from litestar.background_tasks import BackgroundTask
from litestar.response import File, Stream

from app.platform.cells import csv_cell, xlsx_row

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_stream(rows: Iterator[list[Any]], filename: str) -> Stream:
    def lines() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff".encode()
        for row in rows:
            writer.writerow([csv_cell(value) for value in row])
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()

    return Stream(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def xlsx_file(header: list[str], rows: list[list[Any]], filename: str, title: str) -> File:
    workbook, sheet = _xlsx_sheet(header, title)
    _append(sheet, rows)
    return _xlsx_response(workbook, filename)


async def xlsx_stream(header: list[str], batches: AsyncIterator[list[list[Any]]], filename: str, title: str) -> File:
    """An XLSX written batch by batch: openpyxl's write-only sheet puts each row on disk as it is appended, so
    neither the rows nor the file are ever all in memory; the file is sent from disk, then deleted."""
    workbook, sheet = await anyio.to_thread.run_sync(_xlsx_sheet, header, title)
    async for batch in batches:
        # Writing a row is XML serialisation: CPU that would otherwise stall every request for a large export.
        await anyio.to_thread.run_sync(_append, sheet, batch)
    return await anyio.to_thread.run_sync(_xlsx_response, workbook, filename)


def _append(sheet: Any, rows: list[list[Any]]) -> None:
    for row in rows:
        sheet.append(xlsx_row(sheet, row))


# What a sheet's name may not hold (Excel's rule, which openpyxl enforces), and its length.
_SHEET_NAME_FORBIDDEN = str.maketrans({character: " " for character in "[]:*?/\\"})
SHEET_NAME_LENGTH = 31


def sheet_name(title: str) -> str:
    """A sheet name made from a title someone typed: forbidden characters become spaces, cut to 31 characters."""
    printable = "".join(character for character in title if character.isprintable())
    name = " ".join(printable.translate(_SHEET_NAME_FORBIDDEN).split())[:SHEET_NAME_LENGTH].strip("' ")
    return name or "Sheet"


def _xlsx_sheet(header: list[str], title: str) -> tuple[Any, Any]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name(title))
    sheet.append(xlsx_row(sheet, header))
    return workbook, sheet


def _xlsx_response(workbook: Any, filename: str) -> File:
    """The workbook saved to a temporary file, sent from disk and deleted once sent."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    workbook.save(handle.name)
    return File(
        path=handle.name,
        filename=filename,
        media_type=XLSX_MEDIA_TYPE,
        background=BackgroundTask(os.unlink, handle.name),
    )
