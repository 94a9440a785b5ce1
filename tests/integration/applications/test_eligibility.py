"""The eligibility verdict: the live check and the rules judged at submission."""

from app.applications.tables import Application
from tests.integration.applications.api_helpers import AGRONOMICHNA, VINNYTSIA, ready_application


async def test_an_ineligible_hromada_learns_why_when_it_submits(client, as_role, open_round):
    round_ = await open_round(rules={"rule": "population_max", "value": 100000})
    application_id = await ready_application(client, as_role, round_["id"])
    body = (await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))).json()
    assert body["eligible"] is False
    reason = body["verdict"]["checks"][0]["reason"]
    assert "387,439" in reason["en"] and "100,000" in reason["en"]
    assert "387" in reason["uk"]


async def test_live_check_gives_the_verdict_without_filing(client, as_role, open_round):
    round_ = await open_round()
    url = f"/api/v1/rounds/{round_['id']}/eligibility-check"
    verdict = await client.post(url, json={"hromada_code": VINNYTSIA, "answers": {}}, headers=as_role("leader"))
    assert verdict.status_code == 200
    assert verdict.json()["eligible"] is False  # documents missing
    with_documents = await client.post(
        url,
        json={"hromada_code": VINNYTSIA, "documents": ["council_decision", "premises_plan"]},
        headers=as_role("leader"),
    )
    assert with_documents.json()["eligible"] is True
    assert await Application.count() == 0
    other = await client.post(url, json={"hromada_code": AGRONOMICHNA}, headers=as_role("leader"))
    assert other.status_code == 404
    staff = await client.post(url, json={"hromada_code": AGRONOMICHNA}, headers=as_role("staff"))
    assert staff.status_code == 200


async def test_answer_rules_use_the_forms_answers(client, as_role, open_round):
    round_ = await open_round(rules={"rule": "answer_min", "field": "cofinancing_percent", "value": 10})
    url = f"/api/v1/rounds/{round_['id']}/eligibility-check"
    low = await client.post(
        url, json={"hromada_code": VINNYTSIA, "answers": {"cofinancing_percent": "5"}}, headers=as_role("leader")
    )
    high = await client.post(
        url, json={"hromada_code": VINNYTSIA, "answers": {"cofinancing_percent": "12"}}, headers=as_role("leader")
    )
    assert low.json()["eligible"] is False and high.json()["eligible"] is True


async def test_amalgamation_is_judged_as_of_the_deadline(client, as_role, open_round):
    before_vinnytsia_amalgamated = {"rule": "amalgamated", "as_of": "2018-01-01"}
    round_ = await open_round(rules=before_vinnytsia_amalgamated)
    url = f"/api/v1/rounds/{round_['id']}/eligibility-check"
    verdict = await client.post(url, json={"hromada_code": VINNYTSIA}, headers=as_role("leader"))
    assert verdict.json()["eligible"] is False
    by_deadline = await open_round(rules={"rule": "amalgamated"})
    verdict = await client.post(
        f"/api/v1/rounds/{by_deadline['id']}/eligibility-check",
        json={"hromada_code": VINNYTSIA},
        headers=as_role("leader"),
    )
    assert verdict.json()["eligible"] is True


async def test_previous_winners_of_the_programme_are_excluded(client, as_role, open_round):
    first = await open_round()
    application_id = await ready_application(client, as_role, first["id"])
    await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    await Application.update({Application.status: "selected"}).where(Application.id == application_id)
    second = await open_round(rules={"rule": "not_previous_winner"})
    verdict = await client.post(
        f"/api/v1/rounds/{second['id']}/eligibility-check", json={"hromada_code": VINNYTSIA}, headers=as_role("leader")
    )
    assert verdict.json()["eligible"] is False
