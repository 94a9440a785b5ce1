"""Helpers of the tests beside it: api helpers."""

from tests.integration.applications.conftest import (
    COMPLETE_ANSWERS,
    start_application,
    upload,
)

VINNYTSIA = "UA05020030000031457"


AGRONOMICHNA = "UA05020010000053508"


async def ready_application(client, as_role, round_id: int) -> int:
    created = await start_application(client, as_role, round_id, answers=COMPLETE_ANSWERS)
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    for kind in ("council_decision", "premises_plan"):
        assert (await upload(client, as_role, application_id, kind)).status_code == 201
    return application_id
