"""Submitting a complete application before the deadline, and withdrawing one."""

import re

from app.applications.tables import Application
from tests.conftest import csrf_token
from tests.integration.applications.api_helpers import ready_application
from tests.integration.applications.application_page import apply, complete_draft, post_form, signed_in_as
from tests.integration.applications.conftest import (
    COMPLETE_ANSWERS,
    move_deadline,
    start_application,
    upload,
)


async def test_submission_checks_required_answers_and_documents(client, as_role, open_round):
    round_ = await open_round()
    application = (await start_application(client, as_role, round_["id"], answers={"premises": "Є"})).json()
    response = await client.post(f"/api/v1/applications/{application['id']}/submit", headers=as_role("leader"))
    assert response.status_code == 422
    extra = response.json()["extra"]
    assert "asc_model" in extra["missing_answers"]
    assert set(extra["missing_documents"]) == {"council_decision", "premises_plan"}
    assert (await Application.select(Application.status).where(Application.id == application["id"]).first())[
        "status"
    ] == "draft"


async def test_a_submitted_application_stores_verdict_and_rules_and_is_read_only(client, as_role, open_round):
    round_ = await open_round()
    application_id = await ready_application(client, as_role, round_["id"])
    submitted = await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "submitted" and body["eligible"] is True
    assert body["verdict"]["eligible"] is True and body["verdict"]["checks"]
    assert all(check["reason"]["uk"] and check["reason"]["en"] for check in body["verdict"]["checks"])
    stored = (
        await Application.select(Application.rules_snapshot)
        .where(Application.id == application_id)
        .output(load_json=True)
        .first()
    )
    assert stored["rules_snapshot"] == round_["rules"]
    edit = await client.patch(
        f"/api/v1/applications/{application_id}", json={"answers": {"premises": "нове"}}, headers=as_role("leader")
    )
    assert edit.status_code == 409
    late_upload = await upload(client, as_role, application_id, "premises_photos")
    assert late_upload.status_code == 409


async def test_submission_after_the_deadline_is_409_naming_the_deadline_in_kyiv_time(client, as_role, open_round):
    round_ = await open_round()
    application_id = await ready_application(client, as_role, round_["id"])
    await move_deadline(round_["id"], days=-0.01)
    response = await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    assert response.status_code == 409
    assert "Kyiv time" in response.json()["detail"]
    withdraw = await client.post(f"/api/v1/applications/{application_id}/withdraw", headers=as_role("leader"))
    assert withdraw.status_code == 409


async def test_a_leader_withdraws_before_the_deadline(client, as_role, open_round):
    round_ = await open_round()
    application_id = await ready_application(client, as_role, round_["id"])
    await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    response = await client.post(f"/api/v1/applications/{application_id}/withdraw", headers=as_role("leader"))
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


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


async def test_a_leader_withdraws_a_draft(client, users, open_round):
    round_ = await open_round()
    await signed_in_as(client, users, "leader")
    application_id = await apply(client, round_["id"])
    page = f"/applications/{application_id}"
    response = await post_form(client, f"{page}/withdraw", {}, page)
    assert response.status_code == 303
    status = await Application.select(Application.status).where(Application.id == application_id).first()
    assert status["status"] == "withdrawn"
