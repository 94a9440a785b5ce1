"""What the tests of the staff's procurement pages share: a staff session, posting a form with its CSRF token,
the lot forms, and reading a page's text and its error messages."""

from __future__ import annotations

import html
import re

from tests.conftest import csrf_token, login


def plain(page: str) -> str:
    """The page's text with tags removed and non-breaking spaces made ordinary."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text)


def field_error(page: str, error_id: str) -> str:
    match = re.search(rf'<small id="{re.escape(error_id)}"[^>]*>(.*?)</small>', page, flags=re.S)
    assert match, f"no error {error_id} on the page"
    return plain(match.group(1)).strip()


def section_error(page: str, error_id: str) -> str:
    match = re.search(rf'<p id="{re.escape(error_id)}"[^>]*>(.*?)</p>', page, flags=re.S)
    assert match, f"no error {error_id} on the page"
    return plain(match.group(1)).strip()


async def staff_session(http, users) -> None:
    await login(http, users["staff"]["email"])
    await http.get("/language/en")  # the pages in English, so the assertions read the English messages


async def post_form(http, path: str, data: dict[str, str], form_page: str):
    token = await csrf_token(http, form_page)
    return await http.post(path, data={**data, "_csrf_token": token})


def lot_form(**changes: str) -> dict[str, str]:
    form = {
        "category": "furniture",
        "method": "programme",
        "currency": "UAH",
        "title": "Меблі для ЦНАП",
        "row-0-description": "Стіл адміністратора",
        "row-0-quantity": "6",
        "row-0-estimate": "60000",
        "row-1-description": "Крісло",
        "row-1-quantity": "12",
        "row-1-estimate": "20000.00",
    }
    form.update(changes)
    return form


def edit_form(**changes: str) -> dict[str, str]:
    form = {
        "prozorro_id": "",
        "supplier_name": "",
        "supplier_edrpou": "",
        "contract_number": "",
        "contract_date": "",
        "contract_value": "",
        "contract_currency": "UAH",
        "exchange_rate": "",
    }
    form.update(changes)
    return form


async def new_lot(http, project_id: int, **changes: str) -> int:
    manage = f"/projects/{project_id}/manage"
    created = await post_form(http, f"/projects/{project_id}/lots", lot_form(**changes), manage)
    assert created.status_code == 303, plain(created.text)
    return int(re.search(r"#lot-(\d+)$", created.headers["location"]).group(1))


async def move(http, project_id: int, lot_id: int, status: str):
    return await post_form(http, f"/lots/{lot_id}/status", {"status": status}, f"/projects/{project_id}/manage")


async def edit(http, project_id: int, lot_id: int, **changes: str):
    return await post_form(http, f"/lots/{lot_id}/edit", edit_form(**changes), f"/projects/{project_id}/manage")


async def api_lot(winners, lot_id: int) -> dict:
    response = await winners.client.get(f"/api/v1/lots/{lot_id}", headers=winners.staff)
    assert response.status_code == 200, response.text
    return response.json()
