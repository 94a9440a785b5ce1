"""Screening: the staff's decision on an application and the screening queue."""

from __future__ import annotations

import re

from app.applications.tables import Round
from app.platform.tables import AuditEntry
from tests.conftest import csrf_token, login
from tests.integration.applications.api_helpers import ready_application
from tests.integration.applications.application_page import complete_draft, post_form, signed_in_as
from tests.integration.applications.round_page import (
    AGRONOMICHNA,
    KYIV_OBLAST,
    VINNYTSIA,
    VINNYTSIA_OBLAST,
    submitted,
)
from tests.integration.applications.round_page import post_form as post_round_form


async def test_staff_screening_keeps_the_verdict_unless_overridden_with_a_reason(client, as_role, open_round):
    round_ = await open_round(rules={"rule": "population_max", "value": 100000})
    application_id = await ready_application(client, as_role, round_["id"])
    await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    url = f"/api/v1/applications/{application_id}/screening"
    no_reason = await client.post(url, json={"eligible": True}, headers=as_role("staff"))
    assert no_reason.status_code == 422
    confirmed = await client.post(url, json={}, headers=as_role("staff"))
    assert confirmed.json()["status"] == "ineligible"
    overridden = await client.post(
        url,
        json={"eligible": True, "reason": "Population figure of 2022 is not the one of the round"},
        headers=as_role("staff"),
    )
    assert overridden.status_code == 200
    assert overridden.json()["status"] == "eligible" and overridden.json()["screening_override"] is True
    leader_view = await client.get(f"/api/v1/applications/{application_id}", headers=as_role("leader"))
    assert leader_view.json()["screening_reason"].startswith("Population figure")
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "application.screen") & (AuditEntry.object_id == str(application_id)))
        .order_by(AuditEntry.id, ascending=False)
        .output(load_json=True)
        .first()
    )
    assert entry["after"]["override"] is True
    refused = await client.post(url, json={}, headers=as_role("leader"))
    assert refused.status_code == 403


async def test_staff_filter_the_screening_queue(client, as_role, open_round):
    round_ = await open_round()
    application_id = await ready_application(client, as_role, round_["id"])
    await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    listed = await client.get(
        f"/api/v1/rounds/{round_['id']}/applications", params={"eligible": "yes"}, headers=as_role("staff")
    )
    assert listed.json()["total"] == 1
    none = await client.get(
        f"/api/v1/rounds/{round_['id']}/applications",
        params={"oblast": "UA07000000000024379"},
        headers=as_role("staff"),
    )
    assert none.json()["total"] == 0


async def test_staff_override_needs_a_reason_and_the_leader_sees_the_decision(client, users, open_round):
    application_id = await complete_draft(client, users, open_round)
    page = f"/applications/{application_id}"
    assert (await post_form(client, f"{page}/submit", {}, page)).status_code == 303
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, page)})

    await signed_in_as(client, users, "staff")
    await client.get("/language/en")
    staff_view = await client.get(page)
    assert f'action="{page}/screening"' in staff_view.text

    refused = await post_form(client, f"{page}/screening", {"decision": "ineligible", "reason": " "}, page)
    assert refused.status_code == 422
    assert 'id="screening-reason-error"' in refused.text
    assert re.search(r'id="screening-reason"[^>]*aria-invalid="true"', refused.text)
    assert "Write the reason for overriding the computed verdict" in refused.text

    reason = "The council decision is not signed by the head of the hromada"
    overridden = await post_form(client, f"{page}/screening", {"decision": "ineligible", "reason": reason}, page)
    assert overridden.status_code == 303
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, page)})

    await signed_in_as(client, users, "leader")
    await client.get("/language/en")
    leader_view = await client.get(page)
    assert "ineligible" in leader_view.text and reason in leader_view.text
    assert "Programme staff changed the computed verdict" in leader_view.text
    assert f'action="{page}/screening"' not in leader_view.text


async def test_a_leader_is_refused_the_staff_pages(client, users, open_round):
    round_ = await open_round()
    anonymous = await client.get("/rounds/new")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")

    await login(client, users["leader"]["email"])
    assert (await client.get("/rounds/new")).status_code == 403
    assert (await client.get(f"/rounds/{round_['id']}/applications")).status_code == 403
    assert (await client.get(f"/rounds/{round_['id']}/applications.csv")).status_code == 403
    assert (await client.get(f"/rounds/{round_['id']}/edit")).status_code == 403
    moved = await post_round_form(
        client, f"/rounds/{round_['id']}/status", {"status": "closed"}, form_page=f"/rounds/{round_['id']}"
    )
    assert moved.status_code == 403
    assert (await Round.select(Round.status).where(Round.id == round_["id"]).first())["status"] == "open"


async def test_the_screening_queue_filters_and_counts_the_applications(client, users, as_role, open_round):
    round_ = await open_round(rules={"all": [{"rule": "population_max", "value": 100000}]})
    city = await submitted(client, as_role, round_["id"], VINNYTSIA, "leader")  # too large: not eligible
    village = await submitted(client, as_role, round_["id"], AGRONOMICHNA, "other_leader")
    await login(client, users["staff"]["email"])
    base = f"/rounds/{round_['id']}/applications"

    queue = await client.get(base)
    assert queue.status_code == 200
    assert f'href="/applications/{city}"' in queue.text and f'href="/applications/{village}"' in queue.text
    assert re.search(r'href="\?status=submitted"[^>]*>.*?</span> <strong>2</strong>', queue.text, flags=re.S)
    found = re.compile(r'<p role="status">[^<]*?(\d+)</p>')
    assert found.search(queue.text).group(1) == "2"  # unfiltered: the total of the status counts

    eligible = await client.get(base, params={"eligible": "yes"})
    assert f'href="/applications/{village}"' in eligible.text and f'href="/applications/{city}"' not in eligible.text
    assert found.search(eligible.text).group(1) == "1"  # filtered: counted by the database
    not_eligible = await client.get(base, params={"eligible": "no"})
    assert f'href="/applications/{city}"' in not_eligible.text
    assert f'href="/applications/{village}"' not in not_eligible.text

    by_name = await client.get(base, params={"q": "агроном"})
    assert f'href="/applications/{village}"' in by_name.text and f'href="/applications/{city}"' not in by_name.text
    assert found.search(by_name.text).group(1) == "1"
    in_oblast = await client.get(base, params={"oblast": VINNYTSIA_OBLAST})
    assert f'href="/applications/{village}"' in in_oblast.text and f'href="/applications/{city}"' in in_oblast.text
    elsewhere = await client.get(base, params={"oblast": KYIV_OBLAST})
    assert "/applications/" + str(village) not in elsewhere.text
    drafts = await client.get(base, params={"status": "draft"})
    assert f'href="/applications/{village}"' not in drafts.text

    by_population = await client.get(base, params={"sort": "-population"})
    assert by_population.text.index(f"/applications/{city}") < by_population.text.index(f"/applications/{village}")
    assert 'aria-sort="descending"' in by_population.text
    ascending = await client.get(base, params={"sort": "population"})
    assert ascending.text.index(f"/applications/{village}") < ascending.text.index(f"/applications/{city}")
