"""The staff pages of procurement through HTTP with session cookies and CSRF tokens (the round and its winners
set up through the API, the `winners` fixture). Here:
the list of projects and the management of one project."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD, login
from tests.integration.procurement.staff_forms import (
    field_error,
    plain,
    post_form,
    staff_session,
)


async def test_staff_update_milestones_with_the_form(winners, users):
    http = winners.client
    await staff_session(http, users)
    project_id = winners.projects[0]["id"]
    manage = f"/projects/{project_id}/manage"
    no_date = await post_form(http, f"/projects/{project_id}/milestones/staff_trained", {"status": "met"}, manage)
    assert no_date.status_code == 422
    assert "date the milestone was met" in field_error(no_date.text, "milestone-staff_trained-date_met-error")
    trained = await post_form(
        http,
        f"/projects/{project_id}/milestones/staff_trained",
        {"status": "partiallyMet", "date_met": "2026-01-20", "value": "4", "note": "Двоє ще навчаються"},
        manage,
    )
    assert trained.status_code == 303
    assert trained.headers["location"].endswith("#milestone-staff_trained")
    project = (await http.get(f"/api/v1/projects/{project_id}", headers=winners.staff)).json()
    milestone = next(m for m in project["milestones"] if m["key"] == "staff_trained")
    assert milestone["status"] == "partiallyMet" and milestone["date_met"] == "2026-01-20" and milestone["value"] == 4
    page = plain((await http.get(manage)).text)
    assert "partially met" in page and "Двоє ще навчаються" in page
    unknown = await post_form(http, f"/projects/{project_id}/milestones/nothing", {"status": "met"}, manage)
    assert unknown.status_code == 422  # the status is checked before the milestone is looked up


async def test_staff_filter_the_list_of_projects(winners, users):
    http, round_id = winners.client, winners.world.round_id
    await staff_session(http, users)
    first, second = winners.projects
    listed = await http.get("/projects", params={"round": round_id})
    assert listed.status_code == 200
    for project in (first, second):
        assert f'href="/projects/{project["id"]}"' in listed.text
        assert f'href="/projects/{project["id"]}/manage"' in listed.text
    assert "Shown: 2 of 2" in plain(listed.text)
    by_name = await http.get("/projects", params={"round": round_id, "q": first["hromada_name"][:6].lower()})
    assert f'href="/projects/{first["id"]}"' in by_name.text
    by_code = await http.get("/projects", params={"q": second["hromada_code"]})
    assert f'href="/projects/{second["id"]}"' in by_code.text and f'href="/projects/{first["id"]}"' not in by_code.text
    contracted = await http.get("/projects", params={"round": round_id, "stage": "contracted"})
    assert "Shown: 0 of 2" in plain(contracted.text)
    by_oblast = await http.get("/projects", params={"oblast": first["oblast_code"], "sort": "-hromada"})
    assert "Shown: 2 of 2" in plain(by_oblast.text)
    names = [p["hromada_name"] for p in winners.projects]
    shown = re.findall(r'<a href="/projects/\d+">([^<]+)</a>', by_oblast.text)
    assert shown == sorted(names, reverse=True)
    bogus = await http.get("/projects", params={"round": "", "stage": "nonsense", "sort": "x"})
    assert bogus.status_code == 200 and "Shown: 2 of 2" in plain(bogus.text)


async def test_a_leader_sees_only_their_project_and_none_of_the_staff_pages(winners, users):
    http = winners.client
    mine, theirs = winners.projects
    email = next(a["leader_email"] for a in winners.world.applications if a["id"] == mine["application"])
    await login(http, email, PASSWORD)
    assert (await http.get("/dashboard")).status_code == 403
    assert (await http.get(f"/projects/{mine['id']}/manage")).status_code == 403
    assert (await http.get("/catalogue")).status_code == 403
    assert (await http.get("/projects.xlsx")).status_code == 403
    listed = await http.get("/projects")
    assert listed.status_code == 200
    assert f'href="/projects/{mine["id"]}"' in listed.text
    assert f'href="/projects/{theirs["id"]}"' not in listed.text
    assert "/manage" not in listed.text
    assert '<a href="/projects">' in listed.text and '<a href="/dashboard">' not in listed.text


async def test_staff_pages_need_a_session(client):
    for path in ("/dashboard", "/projects", "/catalogue", "/projects/1/manage"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
