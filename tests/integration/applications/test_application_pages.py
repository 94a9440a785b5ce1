"""The hromada leader's application pages and the staff screening form, through HTTP with a cookie session."""

import re

from app.applications.tables import Application
from app.platform.tables import StoredDocument
from tests.conftest import csrf_token, login
from tests.integration.applications.conftest import COMPLETE_ANSWERS, EXE, PDF, move_deadline

HTMX = {"HX-Request": "true"}


async def signed_in_as(client, users, role: str) -> None:
    response = await login(client, users[role]["email"])
    assert response.status_code == 303, response.text


async def apply(client, round_id: int) -> int:
    token = await csrf_token(client, "/applications/mine")
    response = await client.post(f"/rounds/{round_id}/apply", data={"_csrf_token": token})
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/applications/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


async def post_form(client, path: str, data: dict, page: str, **kwargs):
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token}, **kwargs)


async def upload_page(client, application_id: int, kind: str, data: bytes = PDF, name: str = "doc.pdf"):
    page = f"/applications/{application_id}"
    token = await csrf_token(client, page)
    return await client.post(
        f"{page}/documents",
        data={"kind": kind, "_csrf_token": token},
        files={"file": (name, data, "application/pdf")},
    )


async def complete_draft(client, users, open_round) -> int:
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    saved = await post_form(client, f"{page}/answers", COMPLETE_ANSWERS, page)
    assert saved.status_code == 303
    for kind in ("council_decision", "premises_plan"):
        assert (await upload_page(client, application_id, kind)).status_code == 303
    return application_id


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


async def test_a_renamed_exe_is_refused_with_415_naming_the_allowed_types_and_nothing_is_stored(
    client, users, open_round
):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    await client.get("/language/en")
    response = await upload_page(client, application_id, "premises_plan", data=EXE, name="plan.pdf")
    assert response.status_code == 415
    assert "jpg, pdf, png" in response.text
    assert 'id="file-premises_plan-error"' in response.text
    assert re.search(r'id="file-premises_plan"[^>]*aria-invalid="true"', response.text)
    assert await StoredDocument.count().where(StoredDocument.owner_id == application_id) == 0


async def test_a_document_is_uploaded_downloaded_and_removed_through_the_page(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    uploaded = await upload_page(client, application_id, "council_decision", name="рішення.pdf")
    assert uploaded.status_code == 303 and uploaded.headers["location"] == f"{page}#documents"
    document = await StoredDocument.select().where(StoredDocument.owner_id == application_id).first()
    shown = await client.get(page)
    assert f'href="{page}/documents/{document["id"]}"' in shown.text and "рішення.pdf" in shown.text

    downloaded = await client.get(f"{page}/documents/{document['id']}")
    assert downloaded.status_code == 200 and downloaded.content == PDF

    removed = await post_form(client, f"{page}/documents/{document['id']}/delete", {}, page)
    assert removed.status_code == 303
    assert await StoredDocument.count().where(StoredDocument.owner_id == application_id) == 0


async def test_submitting_an_incomplete_application_lists_what_is_missing(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    await client.get("/language/en")
    page = f"/applications/{application_id}"
    response = await post_form(client, f"{page}/submit", {"premises": "Будівля ради"}, page)
    assert response.status_code == 422
    assert "Complete the application before submitting" in response.text
    assert "ASC model" in response.text and "Council decision" in response.text
    assert re.search(r'id="q-asc_model"[^>]*aria-invalid="true"', response.text)
    assert 'id="q-premises-error"' not in response.text
    assert 'id="file-council_decision-error"' in response.text
    # The answer typed before pressing Submit was saved all the same.
    stored = (
        await Application.select(Application.answers, Application.status)
        .where(Application.id == application_id)
        .first()
        .output(load_json=True)
    )
    assert stored == {"answers": {"premises": "Будівля ради"}, "status": "draft"}


async def test_a_complete_application_submits_and_the_page_becomes_read_only_with_reasons(client, users, open_round):
    application_id = await complete_draft(client, users, open_round)
    await client.get("/language/en")
    page = f"/applications/{application_id}"
    submitted = await post_form(client, f"{page}/submit", COMPLETE_ANSWERS, page)
    assert submitted.status_code == 303 and submitted.headers["location"] == page
    shown = await client.get(page)
    assert shown.status_code == 200
    assert 'id="answers-form"' not in shown.text and 'enctype="multipart/form-data"' not in shown.text
    assert "submitted" in shown.text and "Computed when the application was submitted" in shown.text
    assert "All required documents are attached: Council decision" in shown.text
    assert "387,439" in shown.text  # the population reason, in English
    assert 'data-autosave-state="closed"' in shown.text


async def test_a_submission_after_the_deadline_says_the_deadline_in_kyiv_time(client, users, open_round):
    application_id = await complete_draft(client, users, open_round)
    application = await Application.select(Application.round).where(Application.id == application_id).first()
    page = f"/applications/{application_id}"
    token = await csrf_token(client, page)
    await move_deadline(application["round"], -1)
    await client.get("/language/en")
    response = await client.post(f"{page}/submit", data={"_csrf_token": token})
    assert response.status_code == 409
    assert "The deadline of this round has passed" in response.text and "Kyiv time" in response.text


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


async def test_a_leader_withdraws_a_draft(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    response = await post_form(client, f"{page}/withdraw", {}, page)
    assert response.status_code == 303
    status = await Application.select(Application.status).where(Application.id == application_id).first()
    assert status["status"] == "withdrawn"


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
