import asyncio
from collections import Counter

from app.scoring.tables import Assignment, Review


async def auto(world, per_application=3, seed=7):
    response = await world.client.post(
        f"/api/v1/rounds/{world.round_id}/assignments/auto",
        json={"per_application": per_application, "seed": seed},
        headers=world.staff,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def pairs(round_id):
    rows = await Assignment.select(Assignment.application, Assignment.expert).where(Assignment.round == round_id)
    return sorted((r["application"], r["expert"]) for r in rows)


async def test_auto_assignment_is_balanced_conflict_free_and_reproducible(world, client):
    w = await world(n_applications=7, n_experts=5)
    conflicted_app = w.applications[0]["id"]
    conflict = await client.post(
        f"/api/v1/rounds/{w.round_id}/conflicts",
        json={"application_id": conflicted_app, "type": "family", "note": "Брат голови"},
        headers=w.expert(0),
    )
    assert conflict.status_code == 201
    result = await auto(w, per_application=3, seed=42)
    assert result["created"] == 21 and result["short"] == []
    assigned = await pairs(w.round_id)
    assert (conflicted_app, w.experts[0]["id"]) not in assigned
    loads = Counter(expert for _app, expert in assigned)
    assert max(loads.values()) - min(loads.values()) <= 1
    per_app = Counter(app for app, _expert in assigned)
    assert set(per_app.values()) == {3}
    first = assigned
    await Review.delete(force=True)
    await Assignment.delete(force=True)
    await auto(w, per_application=3, seed=42)
    assert await pairs(w.round_id) == first


async def test_a_conflict_declared_later_removes_access_and_reassigns(world, client):
    w = await world(n_applications=2, n_experts=4)
    await auto(w, per_application=3, seed=1)
    mine = await w.assignments_of(0)
    target = mine[0]
    declared = await client.post(
        f"/api/v1/rounds/{w.round_id}/conflicts",
        json={"application_id": target["application_id"], "type": "employment"},
        headers=w.expert(0),
    )
    assert declared.status_code == 201
    assert declared.json()["reassigned_to"] not in (None, w.experts[0]["id"])
    gone = await client.get(f"/api/v1/assignments/{target['assignment_id']}/review", headers=w.expert(0))
    assert gone.status_code == 404
    count = await Assignment.count().where(Assignment.application == target["application_id"])
    assert count == 3


async def test_an_expert_cannot_declare_for_another_expert(world, client):
    w = await world(n_applications=1, n_experts=2)
    response = await client.post(
        f"/api/v1/rounds/{w.round_id}/conflicts",
        json={"application_id": w.applications[0]["id"], "type": "other", "expert_id": w.experts[1]["id"]},
        headers=w.expert(0),
    )
    assert response.status_code == 403


async def test_scoring_an_unassigned_application_is_404(world, client):
    w = await world(n_applications=2, n_experts=3)
    await auto(w, per_application=1, seed=3)
    all_assignments = await Assignment.select(Assignment.id, Assignment.expert)
    foreign = next(a for a in all_assignments if a["expert"] != w.experts[0]["id"])
    response = await client.get(f"/api/v1/assignments/{foreign['id']}/review", headers=w.expert(0))
    assert response.status_code == 404
    put = await client.put(
        f"/api/v1/assignments/{foreign['id']}/review",
        json={"scores": {"premises": 5}, "version": 1},
        headers=w.expert(0),
    )
    assert put.status_code == 404


async def test_points_out_of_range_or_unknown_criterion_are_422_naming_it(world):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    app_id = w.applications[0]["id"]
    too_many = await w.score(0, app_id, {"premises": 11}, submit=False)
    assert too_many.status_code == 422 and "premises" in too_many.json()["detail"]
    quarter = await w.score(0, app_id, {"premises": 4.25}, submit=False)
    assert quarter.status_code == 422
    unknown = await w.score(0, app_id, {"beauty": 3}, submit=False)
    assert unknown.status_code == 422 and "beauty" in unknown.json()["detail"]
    half = await w.score(0, app_id, {"premises": 4.5}, submit=False)
    assert half.status_code == 200 and half.json()["scores"]["premises"] == 4.5


async def test_others_reviews_stay_hidden_until_ones_own_is_submitted(world):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    app_id = w.applications[0]["id"]
    first = await w.score(
        0, app_id, {"premises": 8, "capacity": 7, "cofinancing": 4}, comments={"premises": "Добре приміщення"}
    )
    assert first.status_code == 200
    second_draft = await w.score(1, app_id, {"premises": 6}, submit=False)
    assert second_draft.json()["others"] is None
    assignment = await w.assignment_for(1, app_id)
    before = (await w.client.get(f"/api/v1/assignments/{assignment}/review", headers=w.expert(1))).json()
    assert before["others"] is None
    submitted = await w.score(1, app_id, {"premises": 6, "capacity": 6, "cofinancing": 3})
    others = submitted.json()["others"]
    assert len(others) == 1 and others[0]["comments"]["premises"] == "Добре приміщення"
    assert "expert" not in str(others[0]).lower()


async def test_each_expert_reads_their_own_scores_and_the_others_submitted_ones_in_review_order(world):
    w = await world(n_applications=1, n_experts=4, config={"hide_reviews_until": "all"})
    await auto(w)
    app_id = w.applications[0]["id"]
    assigned = {i: (await w.assignment_for(i, app_id)) for i in range(4) if (await w.assignments_of(i))}
    (a, first), (b, second), (c, third) = sorted(assigned.items())
    outsider = next(i for i in range(4) if i not in assigned)

    async def review_of(expert: int, assignment: int) -> dict:
        response = await w.client.get(f"/api/v1/assignments/{assignment}/review", headers=w.expert(expert))
        assert response.status_code == 200, response.text
        return response.json()

    fresh = await review_of(a, first)  # nothing saved yet
    assert fresh["status"] == "draft" and fresh["version"] == 1 and fresh["total"] is None
    assert fresh["scores"] == {} and fresh["comments"] == {} and fresh["others"] is None
    assert [criterion["key"] for criterion in fresh["criteria"]] == ["premises", "capacity", "cofinancing"]
    # Another expert cannot read it.
    assert (await w.client.get(f"/api/v1/assignments/{first}/review", headers=w.expert(outsider))).status_code == 404

    assert (
        await w.score(a, app_id, {"premises": 8, "capacity": 7, "cofinancing": 4}, comments={"premises": "A"})
    ).status_code == 200
    assert (await w.score(b, app_id, {"premises": 2}, comments={"premises": "draft"}, submit=False)).status_code == 200
    assert (
        await w.score(c, app_id, {"premises": 6, "capacity": 5.5, "cofinancing": 3}, comments={"capacity": "C"})
    ).status_code == 200

    own = await review_of(a, first)
    assert own["status"] == "submitted" and own["scores"] == {"premises": 8, "capacity": 7, "cofinancing": 4}
    assert own["comments"] == {"premises": "A", "capacity": "", "cofinancing": ""}
    assert own["others"] is None  # "all": hidden while the second expert is still scoring
    draft = await review_of(b, second)
    assert (
        draft["scores"] == {"premises": 2, "capacity": None, "cofinancing": None}
        and draft["comments"]["premises"] == "draft"
        and draft["others"] is None
    )

    assert (await w.score(b, app_id, {"premises": 3, "capacity": 4, "cofinancing": 5})).status_code == 200
    others = (await review_of(c, third))["others"]
    review_ids = {r["assignment"]: r["id"] for r in await Review.select(Review.id, Review.assignment)}
    expected = sorted(
        [
            (review_ids[first], {"premises": 8, "capacity": 7, "cofinancing": 4}, "A", own["total"]),
            (
                review_ids[second],
                {"premises": 3, "capacity": 4, "cofinancing": 5},
                "draft",
                (await review_of(b, second))["total"],
            ),
        ]
    )  # labelled in the order the reviews were made, not by expert
    assert [o["label"] for o in others] == [1, 2]
    assert [o["scores"] for o in others] == [e[1] for e in expected]
    assert [o["comments"]["premises"] for o in others] == [e[2] for e in expected]  # a draft's note stays
    assert [o["total"] for o in others] == [e[3] for e in expected]
    assert all(isinstance(total, float | int) and total > 0 for *_, total in expected)


async def test_a_submitted_review_is_locked_until_staff_reopen_it(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    app_id = w.applications[0]["id"]
    await w.score(0, app_id, {"premises": 8, "capacity": 7, "cofinancing": 4})
    again = await w.score(0, app_id, {"premises": 2}, submit=False)
    assert again.status_code == 409
    review = await Review.select(Review.id).where(Review.expert == w.experts[0]["id"]).first()
    reopened = await client.post(
        f"/api/v1/reviews/{review['id']}/reopen", json={"reason": "Помилка в балах"}, headers=w.staff
    )
    assert reopened.status_code == 200
    assert (await w.score(0, app_id, {"premises": 2}, submit=False)).status_code == 200


async def test_a_stale_save_gets_409_and_the_current_version(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    assignment = await w.assignment_for(0, w.applications[0]["id"])
    url = f"/api/v1/assignments/{assignment}/review"
    ok = await client.put(url, json={"scores": {"premises": 5}, "version": 1}, headers=w.expert(0))
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = await client.put(url, json={"scores": {"premises": 9}, "version": 1}, headers=w.expert(0))
    assert stale.status_code == 409 and stale.json()["extra"]["current_version"] == 2
    current = await client.get(url, headers=w.expert(0))
    assert current.json()["scores"]["premises"] == 5


async def test_worked_example_of_totals_means_thresholds_and_divergence(world, client):
    w = await world(n_applications=2, n_experts=3, config={"overall_threshold": 20, "divergence_percent": 30})
    await auto(w)
    a, b = w.applications[0]["id"], w.applications[1]["id"]
    # Application A. Weights: premises 2, capacity 1, cofinancing 1.
    # Expert 0: 2*8 + 7 + 4 = 27; expert 1: 2*6 + 6 + 3 = 21; expert 2: 2*7 + 8 + 5 = 27.
    # Mean score = 75 / 3 = 25. Premises mean = 7 (threshold 4: passes). Spread 27-21 = 6 <= 30% of 27 = 8.1.
    for expert, points in enumerate(
        [
            {"premises": 8, "capacity": 7, "cofinancing": 4},
            {"premises": 6, "capacity": 6, "cofinancing": 3},
            {"premises": 7, "capacity": 8, "cofinancing": 5},
        ]
    ):
        assert (await w.score(expert, a, points)).status_code == 200
    # Application B: 2*3 + 9 + 5 = 20; 2*3.5 + 10 + 5 = 22; 2*4 + 2 + 1 = 11.
    # Mean = 53 / 3 = 17.6667 < 20: fails overall. Premises mean = 3.5 < 4: fails the criterion.
    # Spread 22 - 11 = 11 > 30% of 22 = 6.6: flagged.
    for expert, points in enumerate(
        [
            {"premises": 3, "capacity": 9, "cofinancing": 5},
            {"premises": 3.5, "capacity": 10, "cofinancing": 5},
            {"premises": 4, "capacity": 2, "cofinancing": 1},
        ]
    ):
        assert (await w.score(expert, b, points)).status_code == 200
    ranking = (await client.get(f"/api/v1/rounds/{w.round_id}/ranking", headers=w.staff)).json()
    rows = {row["application_id"]: row for row in ranking["rows"]}
    assert sorted(rows[a]["totals"]) == [21, 27, 27]
    assert rows[a]["score"] == 25 and rows[a]["criterion_means"]["premises"] == 7
    assert rows[a]["passed"] and not rows[a]["flagged"]
    assert rows[b]["score"] == 17.6667
    assert rows[b]["criterion_means"]["premises"] == 3.5
    assert set(rows[b]["failed"]) == {"premises", "overall"}
    assert rows[b]["flagged"] and not rows[b]["passed"]
    assert [row["application_id"] for row in ranking["rows"]] == [a, b]
    assert ranking["maximum"] == 35
    moderated = await client.post(
        f"/api/v1/applications/{b}/moderation",
        json={"score": 24, "justification": "Третій експерт не врахував план приміщення"},
        headers=w.staff,
    )
    assert moderated.status_code == 200
    rows = {
        r["application_id"]: r
        for r in (await client.get(f"/api/v1/rounds/{w.round_id}/ranking", headers=w.staff)).json()["rows"]
    }
    assert rows[b]["score"] == 24 and rows[b]["moderated"] and not rows[b]["flagged"]


async def test_ties_are_broken_deterministically_by_population_then_submission(world, client):
    w = await world(n_applications=3, n_experts=3, config={"tie_breakers": ["population_desc", "submitted_at"]})
    await auto(w)
    same = {"premises": 5, "capacity": 5, "cofinancing": 5}
    for application in w.applications:
        for expert in range(3):
            await w.score(expert, application["id"], same)
    ranking = (await client.get(f"/api/v1/rounds/{w.round_id}/ranking", headers=w.staff)).json()
    expected = sorted(w.applications, key=lambda a: -a["population"])
    assert [r["application_id"] for r in ranking["rows"]] == [a["id"] for a in expected]


async def test_the_rubric_cannot_change_after_review_began(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    await w.score(0, w.applications[0]["id"], {"premises": 5}, submit=False)
    response = await client.put(
        f"/api/v1/rounds/{w.round_id}/criteria",
        json={"criteria": [{"key": "x", "title_uk": "Х", "max_points": 5}]},
        headers=w.staff,
    )
    assert response.status_code == 409


async def test_fifty_concurrent_saves_of_one_review_lose_nothing(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    assignment = await w.assignment_for(0, w.applications[0]["id"])
    url = f"/api/v1/assignments/{assignment}/review"

    async def save(n):
        return await client.put(
            url,
            json={"scores": {"capacity": n % 10}, "comments": {"capacity": f"save {n}"}, "version": 1},
            headers=w.expert(0),
        )

    responses = await asyncio.gather(*[save(n) for n in range(50)])
    codes = Counter(r.status_code for r in responses)
    assert codes[200] == 1 and codes[409] == 49, codes
    winner = next(r for r in responses if r.status_code == 200).json()
    stored = (await client.get(url, headers=w.expert(0))).json()
    assert stored["version"] == 2 and stored["comments"]["capacity"] == winner["comments"]["capacity"]
