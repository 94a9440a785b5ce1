from app.applications.tables import Application
from app.platform.tables import AuditEntry
from tests.integration.scoring.test_review_api import auto


async def score_all(w, points_by_app):
    for application_id, points in points_by_app.items():
        for expert in range(3):
            response = await w.score(expert, application_id, points)
            assert response.status_code == 200, response.text


async def ranked_world(world):
    w = await world(n_applications=4, n_experts=3, config={"package_amount_minor": 100_000})
    await auto(w)
    ids = [a["id"] for a in w.applications]
    await score_all(
        w,
        {
            ids[0]: {"premises": 9, "capacity": 9, "cofinancing": 5},
            ids[1]: {"premises": 8, "capacity": 8, "cofinancing": 4},
            ids[2]: {"premises": 7, "capacity": 7, "cofinancing": 3},
            ids[3]: {"premises": 2, "capacity": 1, "cofinancing": 1},  # premises mean 2 < threshold 4: fails
        },
    )
    return w, ids


async def test_preview_fills_the_quota_down_the_ranking_with_an_ordered_reserve(world, client):
    w, ids = await ranked_world(world)
    preview = await client.post(f"/api/v1/rounds/{w.round_id}/selection", json={"quota": 2}, headers=w.staff)
    assert preview.status_code == 200
    body = preview.json()
    assert body["winners"] == [ids[0], ids[1]]
    assert body["reserve"] == [ids[2]]
    assert body["rejected"] == [ids[3]]


async def test_budget_and_oblast_cap_limit_the_preview(world, client):
    w, ids = await ranked_world(world)
    by_budget = (
        await client.post(
            f"/api/v1/rounds/{w.round_id}/selection", json={"quota": 3, "budget_minor": 150_000}, headers=w.staff
        )
    ).json()
    assert by_budget["winners"] == [ids[0]] and by_budget["spent_minor"] == 100_000
    by_cap = (
        await client.post(f"/api/v1/rounds/{w.round_id}/selection", json={"quota": 3, "oblast_cap": 2}, headers=w.staff)
    ).json()
    assert by_cap["winners"] == [ids[0], ids[1]]  # all four hromadas are in Vinnytsia oblast


async def test_confirming_a_selection_that_breaks_a_limit_is_422_saying_which(world, client):
    w, ids = await ranked_world(world)
    url = f"/api/v1/rounds/{w.round_id}/selection/confirm"
    over_quota = await client.post(url, json={"quota": 2, "winners": ids[:3]}, headers=w.staff)
    assert over_quota.status_code == 422 and "quota" in over_quota.json()["detail"]
    over_budget = await client.post(
        url, json={"quota": 3, "budget_minor": 150_000, "winners": ids[:2]}, headers=w.staff
    )
    assert over_budget.status_code == 422 and "budget" in over_budget.json()["detail"]
    over_cap = await client.post(url, json={"quota": 3, "oblast_cap": 1, "winners": ids[:2]}, headers=w.staff)
    assert over_cap.status_code == 422 and "Vinnytsia" in over_cap.json()["detail"]
    failing = await client.post(url, json={"quota": 3, "winners": [ids[3]]}, headers=w.staff)
    assert failing.status_code == 422


async def test_confirming_publishes_the_decision_once_and_audits_it(world, client):
    w, ids = await ranked_world(world)
    url = f"/api/v1/rounds/{w.round_id}/selection/confirm"
    confirmed = await client.post(url, json={"quota": 2}, headers=w.staff)
    assert confirmed.status_code == 200 and confirmed.json()["winners"] == ids[:2]
    statuses = {r["id"]: r["status"] for r in await Application.select(Application.id, Application.status)}
    assert [statuses[i] for i in ids] == ["selected", "selected", "reserve", "rejected"]
    again = await client.post(url, json={"quota": 2}, headers=w.staff)
    assert again.status_code == 409
    assert await AuditEntry.count().where(AuditEntry.action == "selection.confirm") == 1
    round_ = await client.get(f"/api/v1/rounds/{w.round_id}", headers=w.staff)
    assert round_.json()["status"] == "decided"


async def test_when_a_winner_withdraws_the_next_reserve_is_promoted(world, client):
    w, ids = await ranked_world(world)
    await client.post(f"/api/v1/rounds/{w.round_id}/selection/confirm", json={"quota": 2}, headers=w.staff)
    promoted = await client.post(
        f"/api/v1/rounds/{w.round_id}/selection/promote", json={"withdrawn_application_id": ids[0]}, headers=w.staff
    )
    assert promoted.status_code == 200
    assert promoted.json()["promoted"] == ids[2]
    assert promoted.json()["winners"] == [ids[1], ids[2]]
    statuses = {r["id"]: r["status"] for r in await Application.select(Application.id, Application.status)}
    assert statuses[ids[0]] == "withdrawn" and statuses[ids[2]] == "selected"


async def test_two_staff_confirming_at_once_publish_one_selection(world, client):
    import asyncio

    w, ids = await ranked_world(world)
    url = f"/api/v1/rounds/{w.round_id}/selection/confirm"
    responses = await asyncio.gather(*[client.post(url, json={"quota": 2}, headers=w.staff) for _ in range(2)])
    assert sorted(r.status_code for r in responses) == [200, 409]


async def test_rankings_and_reviews_export_as_xlsx(world, client):
    import io

    from openpyxl import load_workbook

    w, ids = await ranked_world(world)
    ranking = await client.get(f"/api/v1/rounds/{w.round_id}/ranking.xlsx", headers=w.staff)
    sheet = load_workbook(io.BytesIO(ranking.content)).active
    assert sheet.cell(row=2, column=2).value == ids[0]
    assert sheet.cell(row=1, column=11).value == "mean:premises"
    reviews = await client.get(f"/api/v1/rounds/{w.round_id}/reviews.xlsx", headers=w.staff)
    assert load_workbook(io.BytesIO(reviews.content)).active.max_row == 13


async def test_only_staff_see_the_ranking(world, client):
    w, _ids = await ranked_world(world)
    response = await client.get(f"/api/v1/rounds/{w.round_id}/ranking", headers=w.expert(0))
    assert response.status_code == 403
