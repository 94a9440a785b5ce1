"""The project page of a winning hromada, through HTTP with cookie sessions: the leader's timeline and lots,
acceptance documents, deliveries, the report of the opening; staff's view; another hromada's leader."""

import re
from datetime import timedelta

import pytest

from app.platform.tables import StoredDocument
from app.procurement.services.inputs import kyiv_today
from tests.conftest import client_for, csrf_token, login, make_settings
from tests.integration.applications.conftest import EXE
from tests.integration.procurement.conftest import PDF, PNG, SUPPLIER, make_lot, patch

UPLOAD_LIMIT = 64 * 1024


@pytest.fixture
def settings(database_url, tmp_path):
    # A small upload limit, so that the 413 needs no large file.
    return make_settings(database_url, tmp_path / "data", MAX_UPLOAD_BYTES=str(UPLOAD_LIMIT))


@pytest.fixture
async def browser(app):
    """Opens a cookie session for an email; each its own client, closed at the end."""
    opened = []

    async def open_as(email: str, language: str | None = None):
        http = client_for(app)
        opened.append(http)
        response = await login(http, email)
        assert response.status_code == 303, response.text
        if language:
            await http.get(f"/language/{language}")
        return http

    yield open_as
    for http in opened:
        await http.aclose()


def leader_email(winners, project_id: int) -> str:
    project = next(p for p in winners.projects if p["id"] == project_id)
    return next(a["leader_email"] for a in winners.world.applications if a["id"] == project["application"])


async def contracted_lot(winners, project_id: int) -> dict:
    lot = await make_lot(winners, project_id)
    for body in (
        {"prozorro_id": "UA-2026-03-02-000123-a", "status": "tender"},
        {"supplier": SUPPLIER, "status": "awarded"},
        {
            "contract": {
                "number": "17/2026",
                "date": "2026-04-01",
                "value_minor": 7_900_000,
                "currency": "UAH",
                "exchange_rate": "44.50",
            },
            "status": "contracted",
        },
    ):
        response = await patch(winners, lot["id"], body)
        assert response.status_code == 200, response.text
    return response.json()


async def upload(http, project_id: int, lot_id: int, data: bytes, name: str, kind: str = "acceptance_act"):
    page = f"/projects/{project_id}"
    token = await csrf_token(http, page)
    return await http.post(
        f"{page}/lots/{lot_id}/documents",
        data={"kind": kind, "_csrf_token": token},
        files={"file": (name, data, "application/pdf")},
    )


async def post_form(http, project_id: int, path: str, data: dict):
    token = await csrf_token(http, f"/projects/{project_id}")
    return await http.post(path, data={**data, "_csrf_token": token})


def milestone_item(html: str, key: str) -> str:
    match = re.search(rf'<li class="milestone [^"]*" id="milestone-{key}">.*?</li>', html, flags=re.S)
    assert match, f"no milestone {key} on the page"
    return match.group(0)


async def test_the_leader_sees_the_timeline_of_seven_milestones_and_the_lots(winners, browser):
    project_id = winners.projects[0]["id"]
    lot = await contracted_lot(winners, project_id)
    leader = await browser(leader_email(winners, project_id))
    page = await leader.get(f"/projects/{project_id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert re.search(r'<ol class="timeline">', html)
    assert len(re.findall(r'<li class="milestone state-scheduled"', html)) == 7
    assert "Технічне завдання погоджено" in html and "ЦНАП відкрито" in html  # the titles in Ukrainian
    card = re.search(rf'<article class="lot" id="lot-{lot["id"]}">.*?</article>', html, flags=re.S).group(0)
    assert 'href="https://prozorro.gov.ua/tender/UA-2026-03-02-000123-a"' in card
    assert "ТОВ «Меблі Поділля»" in card and "14360570" in card and "17/2026" in card
    assert re.search(r"79\s000,00", card)  # the contract value, in the Ukrainian format
    assert f'action="/projects/{project_id}/lots/{lot["id"]}/documents"' in card
    assert f'action="/projects/{project_id}/lots/{lot["id"]}/deliveries"' in card
    assert f'action="/projects/{project_id}/opening"' in html
    assert f'href="/projects/{project_id}/manage"' not in html  # staff only


async def test_the_leader_uploads_an_acceptance_act_that_is_listed_and_downloadable(winners, browser, users):
    project_id = winners.projects[0]["id"]
    lot = await contracted_lot(winners, project_id)
    leader = await browser(leader_email(winners, project_id))
    response = await upload(leader, project_id, lot["id"], PDF, "акт приймання.pdf")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/projects/{project_id}#lot-{lot['id']}"
    document = await StoredDocument.select().where(StoredDocument.owner_type == "lot").first()
    assert document["owner_id"] == lot["id"] and document["kind"] == "acceptance_act"
    page = (await leader.get(f"/projects/{project_id}")).text
    assert f'href="/documents/{document["id"]}"' in page and "акт приймання.pdf" in page
    downloaded = await leader.get(f"/documents/{document['id']}")
    assert downloaded.status_code == 200 and downloaded.content == PDF
    staff = await browser(users["staff"]["email"])
    assert (await staff.get(f"/documents/{document['id']}")).status_code == 200


async def test_a_renamed_exe_is_refused_with_415_and_the_allowed_types_next_to_the_form(winners, browser):
    project_id = winners.projects[0]["id"]
    lot = await contracted_lot(winners, project_id)
    leader = await browser(leader_email(winners, project_id), language="en")
    response = await upload(leader, project_id, lot["id"], EXE, "акт.pdf")
    assert response.status_code == 415
    form = f"lot-{lot['id']}-document"
    assert re.search(rf'id="{form}-file"[^>]*aria-invalid="true"', response.text)
    error = re.search(rf'<p id="{form}-file-error" class="field-error">([^<]*)</p>', response.text)
    assert error and "pdf, png" in error.group(1) and "docx" in error.group(1)
    assert await StoredDocument.count().where(StoredDocument.owner_type == "lot") == 0


async def test_a_file_over_the_limit_is_refused_with_413_naming_the_limit(winners, browser):
    project_id = winners.projects[0]["id"]
    lot = await contracted_lot(winners, project_id)
    leader = await browser(leader_email(winners, project_id), language="en")
    response = await upload(leader, project_id, lot["id"], PDF + b"0" * UPLOAD_LIMIT, "big.pdf")
    assert response.status_code == 413
    error = re.search(rf'id="lot-{lot["id"]}-document-file-error" class="field-error">([^<]*)<', response.text)
    assert error and "64 KB" in error.group(1)


async def test_a_cancelled_lot_refuses_documents_with_409_on_the_page(winners, browser):
    project_id = winners.projects[0]["id"]
    lot = await make_lot(winners, project_id)
    leader = await browser(leader_email(winners, project_id), language="en")
    token = await csrf_token(leader, f"/projects/{project_id}")
    assert (await patch(winners, lot["id"], {"status": "cancelled"})).status_code == 200
    response = await leader.post(
        f"/projects/{project_id}/lots/{lot['id']}/documents",
        data={"kind": "acceptance_act", "_csrf_token": token},
        files={"file": ("act.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 409
    assert re.search(rf'id="lot-{lot["id"]}-document-error"[^>]*role="alert">The lot is cancelled', response.text)


async def test_the_leader_records_a_delivery_and_a_bad_quantity_is_shown_next_to_its_field(winners, browser):
    project_id = winners.projects[0]["id"]
    lot = await contracted_lot(winners, project_id)
    leader = await browser(leader_email(winners, project_id), language="en")
    path = f"/projects/{project_id}/lots/{lot['id']}/deliveries"
    bad = await post_form(leader, project_id, path, {"delivered_on": "2026-05-10", "quantity": "many"})
    assert bad.status_code == 422
    assert re.search(rf'id="lot-{lot["id"]}-delivery-quantity"[^>]*aria-invalid="true"', bad.text)
    assert 'value="many"' in bad.text  # what was typed is kept
    recorded = await post_form(
        leader, project_id, path, {"delivered_on": "2026-05-10", "quantity": "18", "note": "Столи та крісла"}
    )
    assert recorded.status_code == 303, recorded.text
    page = (await leader.get(f"/projects/{project_id}")).text
    assert "quantity 18" in page and "Столи та крісла" in page and "May 10, 2026" in page
    project = (await winners.client.get(f"/api/v1/projects/{project_id}", headers=winners.staff)).json()
    assert project["lots"][0]["deliveries"][0]["quantity"] == 18


async def test_a_delivery_before_the_contract_is_409(winners, browser):
    project_id = winners.projects[0]["id"]
    lot = await make_lot(winners, project_id)
    leader = await browser(leader_email(winners, project_id))
    page = (await leader.get(f"/projects/{project_id}")).text
    assert f'action="/projects/{project_id}/lots/{lot["id"]}/deliveries"' not in page  # not contracted yet
    path = f"/projects/{project_id}/lots/{lot['id']}/deliveries"
    response = await post_form(leader, project_id, path, {"delivered_on": "2026-05-10", "quantity": "1"})
    assert response.status_code == 409
    assert f'id="lot-{lot["id"]}-delivery-error"' in response.text


async def test_the_leader_reports_the_opening_with_a_photo_and_the_stage_becomes_opened(winners, browser):
    project_id = winners.projects[0]["id"]
    leader = await browser(leader_email(winners, project_id), language="en")
    tomorrow = (kyiv_today() + timedelta(days=1)).isoformat()
    token = await csrf_token(leader, f"/projects/{project_id}")
    future = await leader.post(
        f"/projects/{project_id}/opening",
        data={"opened_on": tomorrow, "_csrf_token": token},
        files={"photo": ("відкриття.png", PNG, "image/png")},
    )
    assert future.status_code == 422
    assert re.search(r'id="opening-date"[^>]*aria-invalid="true"', future.text)
    assert await StoredDocument.count().where(StoredDocument.owner_type == "project") == 0

    opened_on = kyiv_today() - timedelta(days=2)
    response = await leader.post(
        f"/projects/{project_id}/opening",
        data={"opened_on": opened_on.isoformat(), "note": "Урочисте відкриття", "_csrf_token": token},
        files={"photo": ("відкриття.png", PNG, "image/png")},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/projects/{project_id}#opening"
    html = (await leader.get(f"/projects/{project_id}")).text
    assert re.search(r'<span class="badge ok" id="stage">Centre opened</span>', html)
    shown = re.search(r'<dd id="opened-on">([^<]*)</dd>', html)
    assert shown and str(opened_on.year) in shown.group(1)
    photo = await StoredDocument.select().where(StoredDocument.owner_type == "project").first()
    assert photo["kind"] == "opening_photo" and f'href="/documents/{photo["id"]}"' in html
    assert f'action="/projects/{project_id}/opening"' not in html  # the form is gone once the opening is met
    assert "state-met" in milestone_item(html, "asc_opened")


async def test_another_hromadas_leader_gets_404(winners, browser):
    mine, theirs = winners.projects[0]["id"], winners.projects[1]["id"]
    lot = await contracted_lot(winners, theirs)
    leader = await browser(leader_email(winners, mine))
    assert (await leader.get(f"/projects/{theirs}")).status_code == 404
    token = await csrf_token(leader, f"/projects/{mine}")
    refused = await leader.post(
        f"/projects/{theirs}/lots/{lot['id']}/documents",
        data={"kind": "acceptance_act", "_csrf_token": token},
        files={"file": ("act.pdf", PDF, "application/pdf")},
    )
    assert refused.status_code == 404
    # Nor can a lot of theirs be reached through the leader's own project.
    through_mine = await leader.post(
        f"/projects/{mine}/lots/{lot['id']}/deliveries",
        data={"delivered_on": "2026-05-10", "_csrf_token": token},
    )
    assert through_mine.status_code == 404
    assert await StoredDocument.count().where(StoredDocument.owner_type == "lot") == 0


async def test_a_milestone_past_its_due_date_shows_as_overdue_with_the_days_late(winners, browser):
    project_id = winners.projects[0]["id"]
    due = kyiv_today() - timedelta(days=3)
    response = await winners.client.put(
        f"/api/v1/projects/{project_id}/milestones/premises_repaired",
        json={"status": "scheduled", "due_date": due.isoformat()},
        headers=winners.staff,
    )
    assert response.status_code == 200, response.text
    leader = await browser(leader_email(winners, project_id), language="en")
    html = (await leader.get(f"/projects/{project_id}")).text
    item = milestone_item(html, "premises_repaired")
    assert "state-overdue" in item and "Overdue" in item and "3 days late" in item
    assert "state-scheduled" in milestone_item(html, "furniture_delivered")


async def test_staff_see_the_page_in_english_with_the_link_to_manage(winners, browser, users):
    project_id = winners.projects[0]["id"]
    await contracted_lot(winners, project_id)
    await winners.client.put(
        f"/api/v1/projects/{project_id}/milestones/staff_trained",
        json={"status": "partiallyMet", "date_met": kyiv_today().isoformat(), "value": 12},
        headers=winners.staff,
    )
    staff = await browser(users["staff"]["email"])
    assert (await staff.get(f"/language/en?next=/projects/{project_id}")).status_code == 303
    page = await staff.get(f"/projects/{project_id}")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    for text in ("Milestones", "Procurement lots", "Planned", "Contracted", "Accepted", "Terms of reference"):
        assert text in html, text
    assert "Winner selected" in html or "Contracts signed" in html
    assert f'href="/projects/{project_id}/manage"' in html
    trained = milestone_item(html, "staff_trained")
    assert "Partly met" in trained and "Staff trained: 12" in trained
    assert "UAH79,000.00" in html  # the contracted total
    assert f'action="/projects/{project_id}/opening"' not in html  # the leader reports the opening


async def test_the_ocds_package_downloads_from_the_project_page_with_a_session(client, users, winners):
    from tests.conftest import login

    await login(client, users["staff"]["email"])
    project_id = winners.projects[0]["id"]
    page = await client.get(f"/projects/{project_id}")
    assert f"/projects/{project_id}/ocds.json" in page.text
    response = await client.get(f"/projects/{project_id}/ocds.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.json()["releases"][0]["ocid"].endswith(f"-{project_id}")
