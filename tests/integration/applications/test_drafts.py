"""Draft applications: starting one, saving answers (revisions, autosave), who may see it."""

from app.applications.tables import Application, ApplicationRevision
from tests.conftest import csrf_token
from tests.integration.applications.api_helpers import AGRONOMICHNA, VINNYTSIA
from tests.integration.applications.application_page import HTMX, apply, post_form, signed_in_as
from tests.integration.applications.conftest import (
    move_deadline,
    start_application,
)


async def test_a_leader_files_a_draft_for_their_own_hromada(client, as_role, open_round):
    round_ = await open_round()
    response = await start_application(client, as_role, round_["id"], answers={"premises": "Будівля ради"})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["hromada_code"] == VINNYTSIA
    assert body["answers"] == {"premises": "Будівля ради"}


async def test_an_application_for_another_hromada_is_404(client, as_role, open_round):
    round_ = await open_round()
    response = await start_application(client, as_role, round_["id"], hromada=AGRONOMICHNA)
    assert response.status_code == 404


async def test_a_second_application_for_the_same_round_is_409_pointing_to_the_first(client, as_role, open_round):
    round_ = await open_round()
    first = (await start_application(client, as_role, round_["id"])).json()
    second = await start_application(client, as_role, round_["id"])
    assert second.status_code == 409
    assert second.json()["extra"]["application_id"] == first["id"]
    assert str(first["id"]) in second.json()["detail"]


async def test_someone_elses_application_is_404(client, as_role, open_round):
    round_ = await open_round()
    application = (await start_application(client, as_role, round_["id"])).json()
    for role in ("other_leader", "expert"):
        response = await client.get(f"/api/v1/applications/{application['id']}", headers=as_role(role))
        assert response.status_code == 404, role
    patched = await client.patch(
        f"/api/v1/applications/{application['id']}",
        json={"answers": {"premises": "x"}},
        headers=as_role("other_leader"),
    )
    assert patched.status_code == 404
    assert (await client.get(f"/api/v1/applications/{application['id']}", headers=as_role("staff"))).status_code == 200


async def test_every_save_merges_answers_and_keeps_a_revision(client, as_role, open_round):
    round_ = await open_round()
    application = (await start_application(client, as_role, round_["id"])).json()
    url = f"/api/v1/applications/{application['id']}"
    await client.patch(url, json={"answers": {"premises": "Перший варіант"}}, headers=as_role("leader"))
    await client.patch(url, json={"answers": {"staff_count": "5"}}, headers=as_role("leader"))
    latest = await client.patch(url, json={"answers": {"premises": "Другий варіант"}}, headers=as_role("leader"))
    assert latest.json()["answers"] == {"premises": "Другий варіант", "staff_count": "5"}
    assert latest.json()["revision"] == 4
    kept = (
        await ApplicationRevision.select(ApplicationRevision.answers)
        .where(ApplicationRevision.application == application["id"])
        .output(load_json=True)
    )
    assert {"premises": "Перший варіант"} in [r["answers"] for r in kept]


async def test_an_answer_to_an_unknown_question_is_refused_and_the_draft_kept(client, as_role, open_round):
    round_ = await open_round()
    application = (await start_application(client, as_role, round_["id"], answers={"premises": "Текст"})).json()
    response = await client.patch(
        f"/api/v1/applications/{application['id']}",
        json={"answers": {"favourite_colour": "blue"}},
        headers=as_role("leader"),
    )
    assert response.status_code == 422 and "favourite_colour" in response.json()["detail"]
    again = await client.get(f"/api/v1/applications/{application['id']}", headers=as_role("leader"))
    assert again.json()["answers"] == {"premises": "Текст"}


async def test_a_leader_applies_from_a_round_and_sees_the_questions_and_document_kinds(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    mine = await client.get("/applications/mine")
    assert f'action="/rounds/{round_["id"]}/apply"' in mine.text

    application_id = await apply(client, round_["id"])
    page = await client.get(f"/applications/{application_id}")
    assert page.status_code == 200
    text = page.text
    for key in ("asc_model", "project_kind", "premises", "cofinancing_percent", "staff_count", "planned_opening"):
        assert f'name="{key}"' in text and f'for="q-{key}"' in text
    assert '<textarea id="q-premises"' in text
    assert 'type="date"' in text
    assert 'hx-trigger="input changed delay:800ms, change"' in text
    for kind in ("council_decision", "premises_plan", "premises_photos", "cofinancing_letter"):
        assert f'id="file-{kind}"' in text
    assert 'enctype="multipart/form-data"' in text
    assert "/static/autosave.js" in text
    assert 'id="verdict"' in text

    # Applying again leads to the same draft, not a second one.
    assert await apply(client, round_["id"]) == application_id
    listed = await client.get("/applications/mine")
    assert f'href="/applications/{application_id}"' in listed.text
    assert f'action="/rounds/{round_["id"]}/apply"' not in listed.text


async def test_htmx_autosave_stores_the_answers_and_returns_the_saved_note_with_the_verdict(client, users, open_round):
    round_ = await open_round(rules={"rule": "answer_min", "field": "cofinancing_percent", "value": 10})
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    token = await csrf_token(client, page)

    low = await client.post(
        f"{page}/answers",
        data={"premises": "Будівля ради", "cofinancing_percent": "5"},
        headers={**HTMX, "x-csrftoken": token},
    )
    assert low.status_code == 200
    assert low.headers["x-draft-revision"] == "2"
    assert 'data-revision="2"' in low.text
    assert 'id="verdict"' in low.text and 'hx-swap-oob="true"' in low.text
    assert "badge bad" in low.text

    high = await client.post(f"{page}/answers", data={"cofinancing_percent": "12", "_csrf_token": token}, headers=HTMX)
    assert high.status_code == 200 and high.headers["x-draft-revision"] == "3"
    assert "badge ok" in high.text

    stored = (
        await Application.select(Application.answers)
        .where(Application.id == application_id)
        .first()
        .output(load_json=True)
    )
    assert stored["answers"] == {"premises": "Будівля ради", "cofinancing_percent": "12"}


async def test_a_plain_form_post_saves_and_redirects_back(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    response = await post_form(client, f"{page}/answers", {"premises": "Перший поверх", "staff_count": "4"}, page)
    assert response.status_code == 303 and response.headers["location"] == page
    shown = await client.get(page)
    assert "Перший поверх</textarea>" in shown.text
    assert 'value="4"' in shown.text


async def test_another_leader_gets_404_on_the_page(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/applications/mine")})
    await signed_in_as(client, users, "other_leader")
    assert (await client.get(f"/applications/{application_id}")).status_code == 404
    token = await csrf_token(client, "/applications/mine")
    saved = await client.post(f"/applications/{application_id}/answers", data={"premises": "x", "_csrf_token": token})
    assert saved.status_code == 404


async def test_the_page_is_in_english_after_choosing_english(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    ukrainian = await client.get(f"/applications/{application_id}")
    assert '<html lang="uk">' in ukrainian.text
    await client.get("/language/en")
    english = await client.get(f"/applications/{application_id}")
    assert '<html lang="en">' in english.text
    for text in (
        "Answers",
        "Documents",
        "Eligibility",
        "Save draft",
        "Submit the application",
        "Round 4",
        "Council decision to establish (modernise) the ASC",
        "Number of ASC administrators",
    ):
        assert text in english.text, text


async def test_an_autosave_after_the_deadline_is_refused_with_the_reason_in_the_status_line(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    token = await csrf_token(client, page)
    await move_deadline(round_["id"], -1)
    await client.get("/language/en")
    response = await client.post(
        f"{page}/answers", data={"premises": "Late text"}, headers={**HTMX, "x-csrftoken": token}
    )
    assert response.status_code == 409
    assert response.headers["x-autosave-error"] == "1"
    assert "Not saved: The deadline of this round has passed" in response.text
    assert "<html" not in response.text
    shown = await client.get(page)
    assert 'id="answers-form"' not in shown.text
    assert "This round is not accepting applications now" in shown.text
