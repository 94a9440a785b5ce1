"""What a user typed, made safe to stand in a spreadsheet cell: never a live formula, never a character the format
cannot hold. It decides only how one value is written; which columns an export has is each domain's business."""

from __future__ import annotations

import re
from typing import Any

from app.platform.i18n import _

# A spreadsheet program reads a cell that begins with one of these as a formula (OWASP "CSV injection"); a tab or a
# carriage return in front of one hides it from the eye but not from the program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# What XLSX (XML 1.0) cannot hold: the C0 control characters but tab, line feed and carriage return, and the lone
# surrogates that a JSON escape can produce but no UTF-8 file can carry.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
REPLACEMENT = "\ufffd"
# The most a cell holds in Excel and LibreOffice; a longer text makes them "repair" the whole file.
XLSX_CELL_LIMIT = 32_767


def writable_text(text: str) -> str:
    """``text`` with what a spreadsheet file cannot hold replaced by U+FFFD, and a note saying how many were."""
    cleaned, count = _UNWRITABLE.subn(REPLACEMENT, text)
    if not count:
        return text
    return (
        cleaned + " " + _("[{count} unprintable character(s) replaced by {mark}]").format(count=count, mark=REPLACEMENT)
    )


def csv_cell(value: Any) -> Any:
    """A CSV field: text that a spreadsheet would run as a formula goes out behind the usual leading apostrophe."""
    if not isinstance(value, str):
        return value
    value = writable_text(value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """An XLSX cell for a write-only sheet: every text is a string cell (openpyxl would make a formula of a text
    that begins with '='); numbers, dates and empty cells keep their own type."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell

    text = writable_text(value)
    if len(text) > XLSX_CELL_LIMIT:
        note = " " + _("[cut: {count} more characters are in the platform]")
        kept = XLSX_CELL_LIMIT - len(note) - 10
        text = text[:kept] + note.format(count=len(text) - kept)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    return [xlsx_cell(sheet, value) for value in values]
