"""Winners' projects through the API: one per winner on confirmation, each seen only by its hromada and staff."""

from tests.integration.procurement.conftest import make_lot


async def test_confirming_the_selection_creates_a_project_per_winner_with_milestones(winners):
    assert sorted(p["application"] for p in winners.projects) == sorted(winners.ids[:2])
    project = (await winners.client.get(f"/api/v1/projects/{winners.projects[0]['id']}", headers=winners.staff)).json()
    assert [m["key"] for m in project["milestones"]] == [
        "terms_of_reference",
        "premises_repaired",
        "furniture_delivered",
        "equipment_installed",
        "software_connected",
        "staff_trained",
        "asc_opened",
    ]
    assert all(m["status"] == "scheduled" for m in project["milestones"])
    assert project["stage"] == "selected"


async def test_a_leader_touching_another_hromadas_project_gets_404(winners):
    mine, theirs = winners.projects[0]["id"], winners.projects[1]["id"]
    leader = winners.leader[mine]
    assert (await winners.client.get(f"/api/v1/projects/{theirs}", headers=leader)).status_code == 404
    opening = await winners.client.post(
        f"/api/v1/projects/{theirs}/opening", files={"opened_on": (None, "2026-06-01")}, headers=leader
    )
    assert opening.status_code == 404
    listed = (await winners.client.get("/api/v1/projects", headers=leader)).json()
    assert [p["id"] for p in listed] == [mine]
    lot = await make_lot(winners, theirs)
    assert (await winners.client.get(f"/api/v1/lots/{lot['id']}", headers=leader)).status_code == 404
