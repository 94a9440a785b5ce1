"""Programmes and rounds: set-up through the API, the state machine, and the round pages everyone sees."""

from __future__ import annotations

import re

from app.applications.tables import Round
from app.platform.tables import AuditEntry
from tests.conftest import login
from tests.integration.applications.conftest import ROUND4_RULES, in_days, start_application
from tests.integration.applications.round_page import plain, post_form, round_form


async def test_staff_create_a_draft_round_with_the_default_form_and_documents(client, as_role, programme):
    response = await client.post(
        "/api/v1/rounds",
        json={"programme_code": "ulead", "title_uk": "Раунд 1", "deadline": "2030-06-30T23:59"},
        headers=as_role("staff"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    assert {k["key"] for k in body["document_kinds"]} >= {"council_decision", "premises_plan"}
    assert "cofinancing_percent" in {q["key"] for q in body["questions"]}
    assert body["deadline"].startswith("2030-06-30T20:59")  # 23:59 in Kyiv (EEST, UTC+3) stored in UTC


async def test_malformed_rules_are_refused_with_the_path_of_the_bad_node(client, as_role, programme):
    rules = {"all": [{"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": "big"}]}]}
    response = await client.post(
        "/api/v1/rounds",
        json={"programme_code": "ulead", "title_uk": "Раунд", "rules": rules},
        headers=as_role("staff"),
    )
    assert response.status_code == 422
    assert "all[0].any[1]: population_max needs an integer value" in response.json()["detail"]


async def test_a_round_opens_only_with_rules_and_a_future_deadline(client, as_role, programme):
    no_rules = await client.post(
        "/api/v1/rounds",
        json={"programme_code": "ulead", "title_uk": "Р", "deadline": in_days(5)},
        headers=as_role("staff"),
    )
    refused = await client.post(f"/api/v1/rounds/{no_rules.json()['id']}/open", headers=as_role("staff"))
    assert refused.status_code == 409 and "rules" in refused.json()["detail"]
    past = await client.post(
        "/api/v1/rounds",
        json={"programme_code": "ulead", "title_uk": "Р", "deadline": in_days(-1), "rules": ROUND4_RULES},
        headers=as_role("staff"),
    )
    refused = await client.post(f"/api/v1/rounds/{past.json()['id']}/open", headers=as_role("staff"))
    assert refused.status_code == 409 and "deadline" in refused.json()["detail"]


async def test_round_states_move_one_step_at_a_time_and_are_audited(client, as_role, open_round):
    round_ = await open_round()
    jump = await client.post(
        f"/api/v1/rounds/{round_['id']}/status", json={"status": "decided"}, headers=as_role("staff")
    )
    assert jump.status_code == 409
    assert jump.json()["extra"]["allowed"] == ["closed"]
    closed = await client.post(f"/api/v1/rounds/{round_['id']}/close", headers=as_role("staff"))
    assert closed.json()["status"] == "closed"
    actions = [
        e["action"] for e in await AuditEntry.select(AuditEntry.action).where(AuditEntry.object_id == str(round_["id"]))
    ]
    assert {"round.create", "round.open", "round.closed"} <= set(actions)


async def test_rules_cannot_change_once_the_round_is_open(client, as_role, open_round):
    round_ = await open_round()
    response = await client.patch(
        f"/api/v1/rounds/{round_['id']}", json={"rules": {"rule": "amalgamated"}}, headers=as_role("staff")
    )
    assert response.status_code == 409
    retitled = await client.patch(
        f"/api/v1/rounds/{round_['id']}", json={"title_en": "Round four"}, headers=as_role("staff")
    )
    assert retitled.status_code == 200 and retitled.json()["title_en"] == "Round four"


async def test_only_staff_create_rounds_and_only_staff_see_drafts(client, as_role, programme):
    refused = await client.post(
        "/api/v1/rounds", json={"programme_code": "ulead", "title_uk": "Р"}, headers=as_role("leader")
    )
    assert refused.status_code == 403
    draft = await client.post(
        "/api/v1/rounds", json={"programme_code": "ulead", "title_uk": "Р"}, headers=as_role("staff")
    )
    assert (await client.get(f"/api/v1/rounds/{draft.json()['id']}", headers=as_role("leader"))).status_code == 404
    listed = await client.get("/api/v1/rounds", headers=as_role("leader"))
    assert draft.json()["id"] not in [r["id"] for r in listed.json()]


async def test_staff_add_a_programme_and_a_duplicate_code_is_409(client, as_role):
    created = await client.post(
        "/api/v1/programmes",
        json={"code": "prosto", "name_uk": "ПРОСТО", "name_en": "PROSTO"},
        headers=as_role("staff"),
    )
    assert created.status_code == 201
    again = await client.post(
        "/api/v1/programmes", json={"code": "prosto", "name_uk": "ПРОСТО"}, headers=as_role("staff")
    )
    assert again.status_code == 409
    listed = await client.get("/api/v1/programmes", headers=as_role("leader"))
    assert "prosto" in [p["code"] for p in listed.json()]
    refused = await client.post("/api/v1/programmes", json={"code": "x1", "name_uk": "Х"}, headers=as_role("leader"))
    assert refused.status_code == 403


async def test_staff_open_a_round_with_the_status_form_and_see_why_a_jump_is_refused(client, users, programme):
    await login(client, users["staff"]["email"])
    created = await post_form(client, "/rounds/new", round_form())
    round_id = int(created.headers["location"].rsplit("/", 1)[1])
    page = await client.get(f"/rounds/{round_id}")
    assert 'name="status" value="open"' in page.text

    opened = await post_form(client, f"/rounds/{round_id}/status", {"status": "open"}, form_page=f"/rounds/{round_id}")
    assert opened.status_code == 303
    assert (await Round.select(Round.status).where(Round.id == round_id).first())["status"] == "open"

    jump = await post_form(client, f"/rounds/{round_id}/status", {"status": "decided"}, form_page=f"/rounds/{round_id}")
    assert jump.status_code == 409
    assert 'class="notice error" role="alert"' in jump.text
    assert "closed" in plain(jump.text).split("decided", 1)[1]  # the allowed next state is named
    assert (await Round.select(Round.status).where(Round.id == round_id).first())["status"] == "open"


async def test_the_round_page_shows_the_rules_in_plain_words_in_ukrainian_and_in_english(client, open_round):
    round_ = await open_round()
    ukrainian = await client.get(f"/rounds/{round_['id']}")
    assert ukrainian.status_code == 200
    text = plain(ukrainian.text)
    assert "Громада є об’єднаною" in text
    assert "Населення не більше 100 000" in text
    assert "Потрібні документи: Рішення ради про створення (модернізацію) ЦНАП, План приміщення ЦНАП" in text
    assert '<ul class="rules rules-top">' in ukrainian.text
    assert "Раунд 4" in text and "150" in text

    switched = await client.get(f"/language/en?next=/rounds/{round_['id']}")
    assert switched.status_code == 303
    english = await client.get(f"/rounds/{round_['id']}")
    text = plain(english.text)
    assert "Population at most 100,000" in text
    assert "The hromada is amalgamated (on or before the deadline)" in text
    assert "Documents required: Council decision to establish (modernise) the ASC, Plan of the ASC premises" in text
    assert "Round 4" in text
    assert "€1,500,000.00" in text  # budget_minor 150,000,000 cents
    assert re.search(r"Closes in (9|10) days", text)


async def test_a_leader_sees_the_apply_button_and_an_anonymous_visitor_does_not(client, users, as_role, open_round):
    round_ = await open_round()
    anonymous = await client.get(f"/rounds/{round_['id']}")
    assert f'action="/rounds/{round_["id"]}/apply"' not in anonymous.text
    assert f"/login?next=/rounds/{round_['id']}" in anonymous.text

    await login(client, users["leader"]["email"])
    leader = await client.get(f"/rounds/{round_['id']}")
    assert f'action="/rounds/{round_["id"]}/apply"' in leader.text
    assert "Вінницька міська громада" in plain(leader.text)

    applied = await post_form(client, f"/rounds/{round_['id']}/apply", {}, form_page=f"/rounds/{round_['id']}")
    assert applied.status_code == 303
    target = applied.headers["location"]
    assert re.fullmatch(r"/applications/\d+", target)
    again = await client.get(f"/rounds/{round_['id']}")
    assert f'action="/rounds/{round_["id"]}/apply"' not in again.text
    assert f'href="{target}"' in again.text

    other = await open_round()
    await start_application(client, as_role, other["id"])  # through the API: the page links to it as well
    assert 'href="/applications/' in (await client.get(f"/rounds/{other['id']}")).text


async def test_drafts_are_listed_for_staff_only_and_only_staff_get_the_new_round_button(
    client, users, as_role, open_round
):
    await open_round()
    draft = await client.post(
        "/api/v1/rounds", json={"programme_code": "ulead", "title_uk": "Чернетка раунду"}, headers=as_role("staff")
    )
    assert draft.status_code == 201
    public = await client.get("/rounds")
    assert public.status_code == 200
    assert "Раунд 4" in public.text and "Чернетка раунду" not in public.text
    assert 'href="/rounds/new"' not in public.text
    assert (await client.get(f"/rounds/{draft.json()['id']}")).status_code == 404

    await login(client, users["staff"]["email"])
    staff = await client.get("/rounds")
    assert "Чернетка раунду" in staff.text and 'href="/rounds/new"' in staff.text
