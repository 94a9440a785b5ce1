from app.platform.tables import AuditEntry
from tests.integration.applications.conftest import ROUND4_RULES, in_days


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
