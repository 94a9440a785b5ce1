"""Helpers of the tests beside it: application page."""

import re

from tests.conftest import csrf_token, login
from tests.integration.applications.conftest import COMPLETE_ANSWERS, PDF

HTMX = {"HX-Request": "true"}


async def signed_in_as(client, users, role: str) -> None:
    response = await login(client, users[role]["email"])
    assert response.status_code == 303, response.text


async def apply(client, round_id: int) -> int:
    token = await csrf_token(client, "/applications/mine")
    response = await client.post(f"/rounds/{round_id}/apply", data={"_csrf_token": token})
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/applications/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


async def post_form(client, path: str, data: dict, page: str, **kwargs):
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token}, **kwargs)


async def upload_page(client, application_id: int, kind: str, data: bytes = PDF, name: str = "doc.pdf"):
    page = f"/applications/{application_id}"
    token = await csrf_token(client, page)
    return await client.post(
        f"{page}/documents",
        data={"kind": kind, "_csrf_token": token},
        files={"file": (name, data, "application/pdf")},
    )


async def complete_draft(client, users, open_round) -> int:
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    saved = await post_form(client, f"{page}/answers", COMPLETE_ANSWERS, page)
    assert saved.status_code == 303
    for kind in ("council_decision", "premises_plan"):
        assert (await upload_page(client, application_id, kind)).status_code == 303
    return application_id
