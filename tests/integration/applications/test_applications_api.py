import csv
import io

from openpyxl import load_workbook

from app.applications.tables import Application, ApplicationRevision
from app.platform.tables import AuditEntry, StoredDocument
from tests.integration.applications.conftest import (
    COMPLETE_ANSWERS,
    EXE,
    PDF,
    move_deadline,
    start_application,
    upload,
)

VINNYTSIA = "UA05020030000031457"
AGRONOMICHNA = "UA05020010000053508"


async def ready_application(client, as_role, round_id: int) -> int:
    created = await start_application(client, as_role, round_id, answers=COMPLETE_ANSWERS)
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    for kind in ("council_decision", "premises_plan"):
        assert (await upload(client, as_role, application_id, kind)).status_code == 201
    return application_id


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


async def test_documents_are_judged_by_their_bytes_and_their_kinds_limit(client, as_role, open_round):
    round_ = await open_round(
        document_kinds=[
            {"key": "council_decision", "title_uk": "Рішення", "required": True, "max_bytes": 200, "types": ["pdf"]},
            {
                "key": "premises_plan",
                "title_uk": "План",
                "required": True,
                "max_bytes": 10_000,
                "types": ["pdf", "png"],
            },
        ]
    )
    application = (await start_application(client, as_role, round_["id"])).json()
    renamed_exe = await upload(client, as_role, application["id"], "council_decision", EXE, name="рішення.pdf")
    assert renamed_exe.status_code == 415
    assert "pdf" in renamed_exe.json()["detail"]
    too_big = await upload(client, as_role, application["id"], "council_decision", PDF + b"0" * 500)
    assert too_big.status_code == 413
    assert "200 bytes" in too_big.json()["detail"]
    unknown_kind = await upload(client, as_role, application["id"], "selfie", PDF)
    assert unknown_kind.status_code == 422
    assert await StoredDocument.count().where(StoredDocument.owner_id == application["id"]) == 0


async def test_a_replaced_document_goes_and_the_key_never_comes_from_the_filename(client, as_role, open_round):
    round_ = await open_round()
    application = (await start_application(client, as_role, round_["id"])).json()
    first = await upload(client, as_role, application["id"], "council_decision", PDF, name="../../etc/passwd.pdf")
    assert first.status_code == 201
    second = await upload(client, as_role, application["id"], "council_decision", PDF + b"%v2", name="v2.pdf")
    assert second.status_code == 201
    rows = await StoredDocument.select().where(StoredDocument.owner_id == application["id"])
    assert [r["original_filename"] for r in rows] == ["v2.pdf"]
    assert rows[0]["key"].startswith("documents/") and "passwd" not in rows[0]["key"] and ".." not in rows[0]["key"]
    download = await client.get(second.json()["download_url"], headers=as_role("leader"))
    assert download.status_code == 200 and download.content == PDF + b"%v2"
    assert download.headers["content-disposition"].startswith("attachment")
    stranger = await client.get(second.json()["download_url"], headers=as_role("other_leader"))
    assert stranger.status_code == 404


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


async def test_an_ineligible_hromada_learns_why_when_it_submits(client, as_role, open_round):
    round_ = await open_round(rules={"rule": "population_max", "value": 100000})
    application_id = await ready_application(client, as_role, round_["id"])
    body = (await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))).json()
    assert body["eligible"] is False
    reason = body["verdict"]["checks"][0]["reason"]
    assert "387,439" in reason["en"] and "100,000" in reason["en"]
    assert "387" in reason["uk"]


async def test_staff_screening_keeps_the_verdict_unless_overridden_with_a_reason(client, as_role, open_round):
    round_ = await open_round(rules={"rule": "population_max", "value": 100000})
    application_id = await ready_application(client, as_role, round_["id"])
    await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    url = f"/api/v1/applications/{application_id}/screening"
    no_reason = await client.post(url, json={"eligible": True}, headers=as_role("staff"))
    assert no_reason.status_code == 422
    confirmed = await client.post(url, json={}, headers=as_role("staff"))
    assert confirmed.json()["status"] == "ineligible"
    overridden = await client.post(
        url,
        json={"eligible": True, "reason": "Population figure of 2022 is not the one of the round"},
        headers=as_role("staff"),
    )
    assert overridden.status_code == 200
    assert overridden.json()["status"] == "eligible" and overridden.json()["screening_override"] is True
    leader_view = await client.get(f"/api/v1/applications/{application_id}", headers=as_role("leader"))
    assert leader_view.json()["screening_reason"].startswith("Population figure")
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "application.screen") & (AuditEntry.object_id == str(application_id)))
        .order_by(AuditEntry.id, ascending=False)
        .output(load_json=True)
        .first()
    )
    assert entry["after"]["override"] is True
    refused = await client.post(url, json={}, headers=as_role("leader"))
    assert refused.status_code == 403


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


async def test_staff_export_the_registry_verdicts_and_the_applications(client, as_role, open_round):
    round_ = await open_round()
    response = await client.get(f"/api/v1/rounds/{round_['id']}/eligibility.csv", headers=as_role("staff"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 1469
    by_code = {row["hromada_code"]: row for row in rows}
    assert by_code[VINNYTSIA]["eligible_by_registry"] == "yes"  # amalgamated in 2018
    big_not_amalgamated = [r for r in rows if int(r["population"]) > 100000 and not r["amalgamated_on"]]
    assert big_not_amalgamated and all(r["eligible_by_registry"] == "no" for r in big_not_amalgamated)
    application_id = await ready_application(client, as_role, round_["id"])
    await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    exported = await client.get(f"/api/v1/rounds/{round_['id']}/applications.csv", headers=as_role("staff"))
    lines = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert lines[1][1] == VINNYTSIA and lines[1][7] == "yes"
    workbook = await client.get(f"/api/v1/rounds/{round_['id']}/applications.xlsx", headers=as_role("staff"))
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet.cell(row=2, column=2).value == VINNYTSIA
    refused = await client.get(f"/api/v1/rounds/{round_['id']}/applications.csv", headers=as_role("leader"))
    assert refused.status_code == 403


async def test_staff_filter_the_screening_queue(client, as_role, open_round):
    round_ = await open_round()
    application_id = await ready_application(client, as_role, round_["id"])
    await client.post(f"/api/v1/applications/{application_id}/submit", headers=as_role("leader"))
    listed = await client.get(
        f"/api/v1/rounds/{round_['id']}/applications", params={"eligible": "yes"}, headers=as_role("staff")
    )
    assert listed.json()["total"] == 1
    none = await client.get(
        f"/api/v1/rounds/{round_['id']}/applications",
        params={"oblast": "UA07000000000024379"},
        headers=as_role("staff"),
    )
    assert none.json()["total"] == 0
