"""Concurrency against the app as a real server (``asc serve`` in a subprocess), so requests really overlap:
no lost update, no duplicate, no 500; a conflict answers 409.

Runs on SQLite (immediate transactions serialise writers) and on PostgreSQL (row locks) alike.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx

from app.accounts.services.users import load_user
from app.applications.services import drafts, rounds, screening, submission
from app.applications.tables import Application, ApplicationRevision, Round
from app.platform import audit
from app.platform.tables import AuditEntry
from app.procurement.tables import Project
from app.scoring import services as scoring
from app.scoring.rubric import review_total
from app.scoring.tables import Review, ReviewScore, Selection
from tests.integration.applications.conftest import COMPLETE_ANSWERS
from tests.reliability.conftest import bearer, bulk_leaders, hromada_codes, make_round, make_user

SUBMITTERS = 100
REVIEW_EDITS = 50


def http_client(server) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=SUBMITTERS * 2, max_keepalive_connections=SUBMITTERS * 2)
    return httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits)


def assert_no_server_error(responses: list[httpx.Response], server) -> None:
    errors = [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 500]
    assert not errors, f"{len(errors)} server errors, e.g. {errors[:3]}\n{server.log_text()[-3000:]}"


async def _drafts(round_id: int, leaders: list[dict]) -> list[tuple[int, str]]:
    """A complete draft per leader, as create_application writes it (row, first revision), in bulk."""
    await Application.insert(
        *[
            Application(
                round=round_id, hromada=leader["hromada_id"], answers=COMPLETE_ANSWERS, created_by=leader["user_id"]
            )
            for leader in leaders
        ]
    )
    rows = await Application.select(Application.id, Application.hromada).where(Application.round == round_id)
    by_hromada = {row["hromada"]: row["id"] for row in rows}
    await ApplicationRevision.insert(
        *[
            ApplicationRevision(
                application=by_hromada[leader["hromada_id"]],
                revision=1,
                answers=COMPLETE_ANSWERS,
                saved_by=leader["user_id"],
            )
            for leader in leaders
        ]
    )
    return [(by_hromada[leader["hromada_id"]], leader["token"]) for leader in leaders]


async def _submit_all(server, drafts: list[tuple[int, str]]) -> tuple[list[httpx.Response], float]:
    """Every submit at once, each on its own fresh connection."""
    async with http_client(server) as http:
        started = time.monotonic()
        responses = await asyncio.gather(
            *[http.post(f"/api/v1/applications/{a}/submit", headers=bearer(t)) for a, t in drafts]
        )
        return responses, time.monotonic() - started


async def test_a_hundred_simultaneous_submissions_are_stored_before_the_deadline_and_refused_whole_after_it(
    app, live_server
):
    leaders = await bulk_leaders(SUBMITTERS)
    early_round = await make_round(deadline_in=3600)
    early = await _drafts(early_round, leaders)
    round_id = await make_round(deadline_in=3600)
    drafts = await _drafts(round_id, leaders)
    server = live_server()

    # Well before the deadline: all hundred at once are accepted and stored, each exactly once.
    responses, early_seconds = await _submit_all(server, early)
    assert_no_server_error(responses, server)
    assert [r.status_code for r in responses] == [200] * SUBMITTERS, Counter(r.status_code for r in responses)
    statuses = await Application.select(Application.status).where(Application.round == early_round)
    assert Counter(row["status"] for row in statuses) == {"submitted": SUBMITTERS}
    submitted = await AuditEntry.select(AuditEntry.object_id).where(AuditEntry.action == "application.submit")
    assert sorted(int(e["object_id"]) for e in submitted) == sorted(a for a, _t in early)  # one each, none lost

    # At the deadline: it falls while the batch (the same hundred leaders, another round) is being handled,
    # so some land before it and some after; half the time the first batch took is a fair guess. A batch
    # refused whole changed nothing, so it is fired again with the deadline a little later.
    offset, attempts = max(early_seconds / 2, 0.1), 0
    while True:
        attempts += 1
        deadline = datetime.now(UTC) + timedelta(seconds=offset)
        await Round.update({Round.deadline: deadline}).where(Round.id == round_id)
        at_deadline, batch_seconds = await _submit_all(server, drafts)
        assert_no_server_error(at_deadline, server)
        assert {r.status_code for r in at_deadline} <= {200, 409}, {r.status_code for r in at_deadline}
        if any(r.status_code == 200 for r in at_deadline) or attempts == 5:
            break
        assert await Application.count().where((Application.round == round_id) & (Application.status != "draft")) == 0
        offset *= 2

    # Then the deadline is well past: a second batch (every one of them again) is refused whole.
    await Round.update({Round.deadline: datetime.now(UTC) - timedelta(minutes=1)}).where(Round.id == round_id)
    after, _seconds = await _submit_all(server, drafts)
    assert_no_server_error(after, server)
    assert {r.status_code for r in after} == {409}

    rows = {
        row["id"]: row
        for row in await Application.select(Application.id, Application.status, Application.submitted_at).where(
            Application.round == round_id
        )
    }
    accepted = [a for (a, _t), r in zip(drafts, at_deadline, strict=True) if r.status_code == 200]
    refused = [a for (a, _t), r in zip(drafts, at_deadline, strict=True) if r.status_code == 409]
    assert accepted, "no submission landed before the deadline in five tries"
    for application_id in accepted:
        assert rows[application_id]["status"] == "submitted"
        assert rows[application_id]["submitted_at"] <= deadline
    for application_id in refused:
        assert rows[application_id]["status"] == "draft"
        assert rows[application_id]["submitted_at"] is None
    for response in at_deadline:
        if response.status_code == 409:
            assert "deadline" in response.json()["detail"], response.text
    submitted = await AuditEntry.select(AuditEntry.object_id).where(
        (AuditEntry.action == "application.submit") & AuditEntry.object_id.is_in([str(a) for a, _t in drafts])
    )
    assert sorted(int(e["object_id"]) for e in submitted) == sorted(accepted)  # one entry each, none lost
    print(
        f"\n{SUBMITTERS} simultaneous submits before the deadline in {early_seconds:.2f}s: all 200, all stored once; "
        f"{SUBMITTERS} at the deadline in {batch_seconds:.2f}s (deadline {offset:.2f}s after "
        f"the start, try {attempts}): {len(accepted)} before it (200, stored), {len(refused)} after it (409, still "
        f"drafts); then {SUBMITTERS} more after it, all 409"
    )


async def _review_set_up() -> tuple[int, str, list[dict]]:
    """A round under review with one screened application and one expert assigned to it."""
    round_id = await make_round()
    staff, _staff_token = await make_user("staff@load.asc", "staff")
    (code,) = await hromada_codes(1)
    leader, _ = await make_user("leader@load.asc", "applicant", code)
    application = await drafts.create_application(
        round_id=round_id, hromada_code=code, answers=COMPLETE_ANSWERS, user=leader, actor=leader.actor()
    )
    await submission.submit(application_id=application["id"], user=leader, actor=leader.actor())
    await screening.screen(application_id=application["id"], eligible=None, reason="", user=staff, actor=audit.SYSTEM)
    expert, expert_token = await make_user("expert@load.asc", "expert")
    await scoring.add_expert(round_id=round_id, email=expert.email, actor=audit.SYSTEM)
    await scoring.change_assignments(
        round_id=round_id,
        add=[{"application_id": application["id"], "expert_id": expert.id}],
        remove=[],
        actor=audit.SYSTEM,
    )
    review = await Review.select(Review.assignment).where(Review.expert == expert.id).first()
    criteria = await scoring.get_criteria(round_id)
    return review["assignment"], expert_token, criteria


def points_for(index: int, criteria: list[dict]) -> dict[str, float]:
    return {c["key"]: float((index + position) % (int(c["max_points"]) + 1)) for position, c in enumerate(criteria)}


async def _stored_review(assignment_id: int) -> tuple[dict, dict[str, float | None]]:
    review = await Review.select().where(Review.assignment == assignment_id).first()
    rows = await ReviewScore.select().where(ReviewScore.review == review["id"])
    return review, {r["criterion_key"]: r["points"] for r in rows}


async def test_fifty_simultaneous_edits_of_one_review_give_one_success_per_version(app, live_server):
    assignment_id, token, criteria = await _review_set_up()
    server = live_server()
    url = f"/api/v1/assignments/{assignment_id}/review"

    async with http_client(server) as http:
        # Fifty saves of the expert's review at once, all from version 1: exactly one wins, the others are told.
        same_version = await asyncio.gather(
            *[
                http.put(url, json={"scores": points_for(i, criteria), "version": 1}, headers=bearer(token))
                for i in range(REVIEW_EDITS)
            ]
        )
        assert_no_server_error(same_version, server)
        winners = [i for i, r in enumerate(same_version) if r.status_code == 200]
        assert len(winners) == 1, [r.status_code for r in same_version]
        assert sorted(r.status_code for r in same_version) == [200] + [409] * (REVIEW_EDITS - 1)
        review, points = await _stored_review(assignment_id)
        assert review["version"] == 2
        assert points == points_for(winners[0], criteria)
        assert review["total"] == review_total(criteria, points)

        # Fifty more, read at versions 2..11 (tabs of different ages): the ones that win form an unbroken
        # chain of versions, one success per version, and the last one's points are what is stored.
        spread = [(i, 2 + i % 10) for i in range(REVIEW_EDITS)]
        chained = await asyncio.gather(
            *[
                http.put(url, json={"scores": points_for(100 + i, criteria), "version": v}, headers=bearer(token))
                for i, v in spread
            ]
        )
        assert_no_server_error(chained, server)
        assert {r.status_code for r in chained} <= {200, 409}

    won = sorted((v, i) for (i, v), r in zip(spread, chained, strict=True) if r.status_code == 200)
    versions = [v for v, _i in won]
    assert versions == list(range(2, 2 + len(won))), versions  # one 200 per version, no gap, no repeat
    for version, index in won:
        # The answer is read after the commit, so a later save may already show in it.
        assert chained[index].json()["version"] >= version + 1
    review, points = await _stored_review(assignment_id)
    assert review["version"] == 2 + len(won)
    assert points == points_for(100 + won[-1][1], criteria)
    assert review["total"] == review_total(criteria, points)
    saves = await AuditEntry.count().where(AuditEntry.action == "review.save")
    assert saves == 1 + len(won)
    print(
        f"\n{REVIEW_EDITS} simultaneous saves at one version: 1 saved, {REVIEW_EDITS - 1} refused (409); "
        f"{REVIEW_EDITS} at versions 2-11: {len(won)} saved as a chain of versions, the rest 409"
    )


async def _ranked_round() -> int:
    """A round under review whose three applications each have a submitted review."""
    round_id = await make_round()
    staff, _ = await make_user("setup-staff@load.asc", "staff")
    expert, _ = await make_user("expert@load.asc", "expert")
    await scoring.replace_rubric(
        round_id=round_id, criteria=None, config={"reviews_per_application": 1}, actor=audit.SYSTEM
    )
    await scoring.add_expert(round_id=round_id, email=expert.email, actor=audit.SYSTEM)
    for index, code in enumerate(await hromada_codes(3)):
        leader, _ = await make_user(f"leader{index}@load.asc", "applicant", code)
        created = await drafts.create_application(
            round_id=round_id, hromada_code=code, answers=COMPLETE_ANSWERS, user=leader, actor=leader.actor()
        )
        await submission.submit(application_id=created["id"], user=leader, actor=leader.actor())
        await screening.screen(application_id=created["id"], eligible=None, reason="", user=staff, actor=audit.SYSTEM)
    await rounds.transition_round(round_id=round_id, to="closed", actor=audit.SYSTEM)
    await rounds.transition_round(round_id=round_id, to="under_review", actor=audit.SYSTEM)
    await scoring.auto_assign(round_id=round_id, per_application=1, seed=1, actor=audit.SYSTEM)
    criteria = await scoring.get_criteria(round_id)
    expert_user = await load_user(expert.id)
    for index, review in enumerate(await Review.select(Review.assignment).where(Review.expert == expert.id)):
        await scoring.save_review(
            assignment_id=review["assignment"],
            user=expert_user,
            scores=points_for(index + 3, criteria),
            comments={},
            submit=True,
            version=1,
            actor=audit.SYSTEM,
        )
    return round_id


async def test_two_staff_confirming_one_selection_at_once_publish_it_once(app, live_server):
    round_id = await _ranked_round()
    tokens = [(await make_user(f"staff{i}@load.asc", "staff"))[1] for i in range(2)]
    server = live_server()
    url = f"/api/v1/rounds/{round_id}/selection/confirm"

    async with http_client(server) as http:
        for token in tokens:  # both are signed in and have the page open
            assert (
                await http.post(f"/api/v1/rounds/{round_id}/selection", json={"quota": 2}, headers=bearer(token))
            ).status_code == 200
        responses = await asyncio.gather(*[http.post(url, json={"quota": 2}, headers=bearer(t)) for t in tokens])

    assert_no_server_error(responses, server)
    assert sorted(r.status_code for r in responses) == [200, 409], [(r.status_code, r.text) for r in responses]
    refused = next(r for r in responses if r.status_code == 409)
    assert "already confirmed" in refused.json()["detail"]
    confirmed = next(r for r in responses if r.status_code == 200).json()
    assert await Selection.count().where(Selection.round == round_id) == 1
    assert await AuditEntry.count().where(AuditEntry.action == "selection.confirm") == 1
    projects = await Project.select(Project.application).where(Project.round == round_id)
    assert sorted(p["application"] for p in projects) == sorted(confirmed["winners"])  # one project per winner
    statuses = await Application.select(Application.status).where(Application.status == "selected")
    assert len(statuses) == len(confirmed["winners"]) == 2
