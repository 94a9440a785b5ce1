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
