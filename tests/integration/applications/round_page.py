"""Helpers of the tests beside it: round page."""

from __future__ import annotations

import html
import json
import re

from tests.conftest import csrf_token
from tests.integration.applications.conftest import COMPLETE_ANSWERS, ROUND4_RULES, start_application, upload

VINNYTSIA = "UA05020030000031457"  # urban, 387,439 residents, amalgamated 2018-09-20


AGRONOMICHNA = "UA05020010000053508"  # rural, 9,361 residents, not amalgamated


VINNYTSIA_OBLAST = "UA05000000000010236"


KYIV_OBLAST = "UA32000000000030281"


def round_form(**changes: str) -> dict[str, str]:
    form = {
        "programme_code": "ulead",
        "title_uk": "Раунд 5",
        "title_en": "Round 5",
        "description_uk": "Громади до 100 000 мешканців.",
        "description_en": "Hromadas of up to 100,000 residents.",
        "opens_at": "",
        "deadline": "2030-06-30T23:59",
        "quota": "150",
        "budget": "1500000.50",
        "currency": "EUR",
        "rules": json.dumps(ROUND4_RULES),
    }
    form.update(changes)
    return form


async def post_form(http, path: str, data: dict[str, str], form_page: str | None = None):
    token = await csrf_token(http, form_page or path)
    return await http.post(path, data={**data, "_csrf_token": token})


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea id="{name}"[^>]*>(.*?)</textarea>', page, flags=re.S)
    assert match, f"no textarea {name}"
    return html.unescape(match.group(1))


def plain(page: str) -> str:
    """The page's text with tags removed and non-breaking spaces made ordinary."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ").replace("\u202f", " ")


async def submitted(client, as_role, round_id: int, hromada: str, role: str) -> int:
    application = (
        await start_application(client, as_role, round_id, hromada=hromada, role=role, answers=COMPLETE_ANSWERS)
    ).json()
    for kind in ("council_decision", "premises_plan"):
        assert (await upload(client, as_role, application["id"], kind, role=role)).status_code == 201
    response = await client.post(f"/api/v1/applications/{application['id']}/submit", headers=as_role(role))
    assert response.status_code == 200, response.text
    return application["id"]
