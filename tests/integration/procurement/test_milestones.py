"""Milestones through the API: set by hand, overdue by a fixed clock, and the opening reported."""

from tests.integration.procurement.conftest import PNG


async def test_milestones_by_hand_overdue_with_a_fixed_clock_and_the_opening(winners):
    client, staff = winners.client, winners.staff
    project_id = winners.projects[0]["id"]
    project = (await client.get(f"/api/v1/projects/{project_id}", headers=staff)).json()
    due = {m["key"]: m["due_date"] for m in project["milestones"]}
    met = await client.put(
        f"/api/v1/projects/{project_id}/milestones/terms_of_reference",
        json={"status": "met", "date_met": "2026-01-15"},
        headers=staff,
    )
    assert met.status_code == 200
    no_date = await client.put(
        f"/api/v1/projects/{project_id}/milestones/staff_trained", json={"status": "met"}, headers=staff
    )
    assert no_date.status_code == 422
    bad_status = await client.put(
        f"/api/v1/projects/{project_id}/milestones/staff_trained", json={"status": "done"}, headers=staff
    )
    assert bad_status.status_code == 422
    trained = await client.put(
        f"/api/v1/projects/{project_id}/milestones/staff_trained",
        json={"status": "partiallyMet", "date_met": "2026-01-20", "value": 4},
        headers=staff,
    )
    assert next(m for m in trained.json() if m["key"] == "staff_trained")["value"] == 4
    leader_refused = await client.put(
        f"/api/v1/projects/{project_id}/milestones/premises_repaired",
        json={"status": "met", "date_met": "2026-01-20"},
        headers=winners.leader[project_id],
    )
    assert leader_refused.status_code == 403
    # The day after "premises repaired" was due: it, and only it of the remaining ones, is overdue.
    from datetime import date, timedelta

    day_after = (date.fromisoformat(due["premises_repaired"]) + timedelta(days=1)).isoformat()
    dashboard = (
        await client.get(
            "/api/v1/dashboard", params={"round": winners.world.round_id, "as_of": day_after}, headers=staff
        )
    ).json()
    overdue = {(o["project_id"], o["key"]) for o in dashboard["overdue"]}
    assert (project_id, "premises_repaired") in overdue
    assert (project_id, "terms_of_reference") not in overdue
    assert (project_id, "furniture_delivered") not in overdue
    opening = await client.post(
        f"/api/v1/projects/{project_id}/opening",
        data={"opened_on": "2026-02-01", "note": "Урочисте відкриття"},
        files={"photo": ("відкриття.png", PNG, "image/png")},
        headers=winners.leader[project_id],
    )
    assert opening.status_code == 200, opening.text
    assert opening.json()["opened_on"] == "2026-02-01" and opening.json()["stage"] == "opened"
    dashboard = (await client.get("/api/v1/dashboard", params={"round": winners.world.round_id}, headers=staff)).json()
    assert dashboard["stages"] == {"selected": 1, "contracted": 0, "delivered": 0, "opened": 1}
    assert dashboard["reached"]["contracted"] == 1
