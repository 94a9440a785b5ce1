"""The expert's queue and scoring page, through HTTP with a cookie session."""

import re

from app.applications.forms import DEFAULT_DOCUMENT_KINDS, DEFAULT_QUESTIONS
from app.applications.tables import Application, Round
from app.platform import audit
from app.platform.documents import Uploader, save_document
from app.scoring.tables import Assignment, Review, ReviewScore
from tests.conftest import client_for, csrf_token, login
from tests.integration.applications.conftest import PDF
from tests.integration.scoring.test_review_api import auto

HTMX = {"HX-Request": "true"}
ALL_POINTS = {"points_premises": "8", "points_capacity": "7.5", "points_cofinancing": "4"}
VERSION_FIELD = re.compile(r'id="review-version" name="version" value="(\d+)"')


async def signed_in_as_expert(http, w, index: int) -> None:
    response = await login(http, w.experts[index]["email"])
    assert response.status_code == 303, response.text


async def save(http, assignment_id: int, fields: dict, *, htmx: bool = False):
    page = f"/reviews/{assignment_id}"
    token = await csrf_token(http, page)
    return await http.post(f"{page}/save", data={**fields, "_csrf_token": token}, headers=HTMX if htmx else {})


async def version_on_page(http, assignment_id: int) -> int:
    page = await http.get(f"/reviews/{assignment_id}")
    match = VERSION_FIELD.search(page.text)
    assert match, page.text
    return int(match.group(1))


async def stored_scores(assignment_id: int) -> dict:
    review = (
        await Review.select(Review.id, Review.version, Review.status).where(Review.assignment == assignment_id).first()
    )
    rows = await ReviewScore.select().where(ReviewScore.review == review["id"])
    return {
        "review": review,
        "points": {r["criterion_key"]: r["points"] for r in rows},
        "comments": {r["criterion_key"]: r["comment"] for r in rows},
    }


async def test_an_expert_sees_only_their_own_assignments_with_progress(world, client):
    w = await world(n_applications=3, n_experts=3)
    await auto(w, per_application=1, seed=5)
    mine = await w.assignments_of(0)
    theirs = await w.assignments_of(1) + await w.assignments_of(2)
    assert mine and theirs
    await signed_in_as_expert(client, w, 0)
    queue = await client.get("/reviews")
    assert queue.status_code == 200
    assert '<a href="/reviews">' in queue.text  # the nav link experts get
    for row in mine:
        assert f'href="/reviews/{row["assignment_id"]}"' in queue.text
    for row in theirs:
        assert f'href="/reviews/{row["assignment_id"]}"' not in queue.text
    assert f'<progress id="round-{w.round_id}-progress" value="0" max="{len(mine)}"' in queue.text
    assert "Раунд" in queue.text

    await w.score(0, mine[0]["application_id"], {"premises": 8, "capacity": 7, "cofinancing": 4})
    after = await client.get("/reviews")
    assert f'value="1" max="{len(mine)}"' in after.text
    assert "badge ok" in after.text


async def test_staff_and_leaders_do_not_get_the_expert_pages_and_see_no_reviews_link(world, client, users):
    await world(n_applications=1, n_experts=1)
    assert (await client.get("/reviews")).status_code == 303  # to the sign-in page
    await login(client, users["staff"]["email"])
    assert (await client.get("/reviews")).status_code == 403
    assert 'href="/reviews"' not in (await client.get("/")).text


async def test_the_scoring_page_shows_the_application_its_documents_and_the_criteria(world, client, app):
    w = await world(n_applications=1, n_experts=3)
    application_id = w.applications[0]["id"]
    await Round.update({Round.questions: DEFAULT_QUESTIONS, Round.document_kinds: DEFAULT_DOCUMENT_KINDS}).where(
        Round.id == w.round_id
    )
    await Application.update({Application.answers: {"premises": "Перший поверх ради", "staff_count": 4}}).where(
        Application.id == application_id
    )
    document = await save_document(
        storage=app.state.storage,
        data=PDF,
        filename="рішення.pdf",
        uploader=Uploader(id=None, role="staff"),
        actor=audit.SYSTEM,
        max_bytes=10_000,
        owner_type="application",
        owner_id=application_id,
        kind="council_decision",
        allowed_types={"pdf": "application/pdf"},
    )
    await auto(w)
    assignment_id = await w.assignment_for(0, application_id)
    await signed_in_as_expert(client, w, 0)

    page = await client.get(f"/reviews/{assignment_id}")
    assert page.status_code == 200
    text = page.text
    assert w.applications[0]["hromada_code"] in text
    assert "Опис приміщення" in text and "Перший поверх ради" in text
    assert "Рішення ради про створення (модернізацію) ЦНАП" in text
    assert f'href="/documents/{document["id"]}"' in text
    for key, maximum in (("premises", "10"), ("capacity", "10"), ("cofinancing", "5")):
        assert f'name="points_{key}"' in text and f'for="points-{key}"' in text
        assert f'max="{maximum}"' in text
        assert f'name="comment_{key}"' in text and f'for="comment-{key}"' in text
    assert 'step="0.5"' in text
    assert "Приміщення" in text and "Спроможність" in text
    assert 'hx-trigger="change delay:600ms"' in text and 'hx-post="/reviews/' in text
    assert 'name="_csrf_token"' in text
    assert VERSION_FIELD.search(text).group(1) == "1"
    assert 'name="submit" value="1"' in text and "<details" in text
    assert f'action="/reviews/{assignment_id}/conflict"' in text
    assert "/static/review.js" in text

    download = await client.get(f"/documents/{document['id']}")
    assert download.status_code == 200 and download.content == PDF


async def test_an_htmx_save_stores_the_points_and_bumps_the_version(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    assignment_id = await w.assignment_for(0, w.applications[0]["id"])
    await signed_in_as_expert(client, w, 0)

    response = await save(
        client,
        assignment_id,
        {"points_premises": "7.5", "comment_premises": "Світле приміщення", "version": "1", "submit": "1"},
        htmx=True,
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-review-version"] == "2"
    assert "<html" not in response.text
    assert '<input type="hidden" id="review-version" name="version" value="2" hx-swap-oob="true">' in response.text
    stored = await stored_scores(assignment_id)
    assert stored["points"]["premises"] == 7.5 and stored["comments"]["premises"] == "Світле приміщення"
    assert stored["review"]["version"] == 2
    assert stored["review"]["status"] == "draft"  # an autosave never submits

    second = await save(client, assignment_id, {"points_capacity": "6", "version": "2"}, htmx=True)
    assert second.status_code == 200 and second.headers["x-review-version"] == "3"
    assert (await stored_scores(assignment_id))["points"] == {"premises": 7.5, "capacity": 6, "cofinancing": None}


async def test_a_stale_save_is_refused_with_a_link_to_the_latest_version(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    assignment_id = await w.assignment_for(0, w.applications[0]["id"])
    await signed_in_as_expert(client, w, 0)
    await client.get("/language/en")
    assert (await save(client, assignment_id, {"points_premises": "5", "version": "1"}, htmx=True)).status_code == 200

    stale = await save(client, assignment_id, {"points_premises": "9", "version": "1"}, htmx=True)
    assert stale.status_code == 409
    assert stale.headers["x-review-error"] == "1"
    assert "This review was changed in another window" in stale.text
    assert f'<a href="/reviews/{assignment_id}">reload to see the latest version</a>' in stale.text

    plain = await save(client, assignment_id, {"points_premises": "9", "comment_premises": "Мій текст", "version": "1"})
    assert plain.status_code == 409
    assert "This review was changed in another window" in plain.text
    assert "Мій текст</textarea>" in plain.text  # what was typed is still on the page
    assert (await stored_scores(assignment_id))["points"]["premises"] == 5


async def test_a_plain_form_save_redirects_back_to_the_page(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    assignment_id = await w.assignment_for(0, w.applications[0]["id"])
    await signed_in_as_expert(client, w, 0)
    response = await save(
        client, assignment_id, {"points_premises": "6", "comment_capacity": "Два адміністратори", "version": "1"}
    )
    assert response.status_code == 303 and response.headers["location"] == f"/reviews/{assignment_id}"
    page = await client.get(f"/reviews/{assignment_id}")
    assert 'name="points_premises" type="number"' in page.text and 'value="6"' in page.text
    assert "Два адміністратори</textarea>" in page.text
    assert VERSION_FIELD.search(page.text).group(1) == "2"


async def test_points_out_of_range_show_the_error_next_to_the_criterion(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    assignment_id = await w.assignment_for(0, w.applications[0]["id"])
    await signed_in_as_expert(client, w, 0)
    await client.get("/language/en")

    response = await save(
        client,
        assignment_id,
        {"points_premises": "11", "points_capacity": "4", "comment_premises": "Забагато", "version": "1"},
    )
    assert response.status_code == 422
    text = response.text
    field = re.search(r'<input id="points-premises"[^>]*>', text).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="points-premises-error"' in field
    assert 'value="11"' in field
    error = re.search(r'<div id="points-premises-error">(.*?)</div>', text, re.S).group(1)
    assert "Enter whole or half points from 0 to 10." in error
    assert '<a href="#points-premises">Приміщення</a>' in text  # the summary above links to the field
    capacity = re.search(r'<input id="points-capacity"[^>]*>', text).group(0)
    assert "aria-invalid" not in capacity and 'value="4"' in capacity
    assert "Забагато</textarea>" in text
    assert (await stored_scores(assignment_id))["review"]["version"] == 1

    quarter = await save(client, assignment_id, {"points_cofinancing": "2.25", "version": "1"}, htmx=True)
    assert quarter.status_code == 422 and quarter.headers["x-review-error"] == "1"
    assert '<div id="points-cofinancing-error" hx-swap-oob="true"><p class="field-error">' in quarter.text
    assert "Enter whole or half points from 0 to 5." in quarter.text
    assert "Not saved: check the marked criteria: Співфінансування." in quarter.text
    assert '<div id="points-premises-error" hx-swap-oob="true"></div>' in quarter.text  # the others are cleared

    missing = await save(client, assignment_id, {"points_premises": "5", "version": "1", "submit": "1"})
    assert missing.status_code == 422
    assert 'href="#points-cofinancing"' in missing.text
    capacity_error = re.search(r'<div id="points-capacity-error">(.*?)</div>', missing.text, re.S).group(1)
    assert "Score this criterion before submitting." in capacity_error


async def test_submitting_locks_the_form_and_reveals_the_others_reviews_without_names(world, client):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    application_id = w.applications[0]["id"]
    second = await w.score(
        1,
        application_id,
        {"premises": 6, "capacity": 6, "cofinancing": 3},
        comments={"premises": "Коментар другого експерта"},
    )
    assert second.status_code == 200
    assignment_id = await w.assignment_for(0, application_id)
    await signed_in_as_expert(client, w, 0)

    before = await client.get(f"/reviews/{assignment_id}")
    assert "Коментар другого експерта" not in before.text
    assert "приховано" in before.text  # hidden until one's own is submitted

    version = await version_on_page(client, assignment_id)
    submitted = await save(
        client,
        assignment_id,
        {**ALL_POINTS, "comment_premises": "Мій коментар", "version": str(version), "submit": "1"},
    )
    assert submitted.status_code == 303, submitted.text
    page = await client.get(f"/reviews/{assignment_id}")
    text = page.text
    assert 'id="review-form"' not in text and 'name="points_premises"' not in text
    assert f'action="/reviews/{assignment_id}/conflict"' not in text
    assert "Мій коментар" in text
    assert "Коментар другого експерта" in text and "Експерт 1" in text
    assert "Expert 1" not in text and w.experts[1]["email"] not in text
    assert (await stored_scores(assignment_id))["review"]["status"] == "submitted"

    again = await save(client, assignment_id, {"points_premises": "1", "version": str(version + 1)}, htmx=True)
    assert again.status_code == 409 and "<html" not in again.text
    plain = await save(client, assignment_id, {"points_premises": "1", "version": str(version + 1)})
    assert plain.status_code == 409 and 'id="page-error"' in plain.text


async def test_another_experts_assignment_is_404(world, client):
    w = await world(n_applications=2, n_experts=3)
    await auto(w, per_application=1, seed=3)
    foreign = next(
        a for a in await Assignment.select(Assignment.id, Assignment.expert) if a["expert"] != w.experts[0]["id"]
    )
    await signed_in_as_expert(client, w, 0)
    assert (await client.get(f"/reviews/{foreign['id']}")).status_code == 404
    token = await csrf_token(client, "/reviews")
    saved = await client.post(
        f"/reviews/{foreign['id']}/save", data={"points_premises": "3", "version": "1", "_csrf_token": token}
    )
    assert saved.status_code == 404
    conflict = await client.post(
        f"/reviews/{foreign['id']}/conflict", data={"type": "other", "note": "", "_csrf_token": token}
    )
    assert conflict.status_code == 404
    assert (await stored_scores(foreign["id"]))["review"]["version"] == 1


async def test_declaring_a_conflict_removes_the_application_from_the_queue(world, client):
    w = await world(n_applications=2, n_experts=4)
    await auto(w, per_application=3, seed=1)
    mine = await w.assignments_of(0)
    target = mine[0]
    page = f"/reviews/{target['assignment_id']}"
    await signed_in_as_expert(client, w, 0)

    token = await csrf_token(client, page)
    wrong = await client.post(f"{page}/conflict", data={"type": "", "note": "Брат голови", "_csrf_token": token})
    assert wrong.status_code == 422
    select = re.search(r'<select id="conflict-type"[^>]*>', wrong.text).group(0)
    assert 'aria-invalid="true"' in select
    assert 'id="conflict-type-error"' in wrong.text and "Брат голови</textarea>" in wrong.text

    declared = await client.post(
        f"{page}/conflict", data={"type": "family", "note": "Брат голови", "_csrf_token": token}
    )
    assert declared.status_code == 303
    assert declared.headers["location"] == f"/reviews?removed={target['application_id']}"
    queue = await client.get(declared.headers["location"])
    assert f'href="{page}"' not in queue.text
    assert 'id="page-notice"' in queue.text and str(target["application_id"]) in queue.text
    assert (await client.get(page)).status_code == 404
    assert await Assignment.count().where(Assignment.application == target["application_id"]) == 3


async def test_the_pages_are_in_english_after_choosing_english(world, client, app):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    assignment_id = await w.assignment_for(0, w.applications[0]["id"])
    await signed_in_as_expert(client, w, 0)
    ukrainian = await client.get(f"/reviews/{assignment_id}")
    assert '<html lang="uk">' in ukrainian.text and "Зберегти чернетку" in ukrainian.text
    await client.get("/language/en")
    queue = await client.get("/reviews")
    assert '<html lang="en">' in queue.text
    for text in ("My reviews", "0 of 1 submitted", "not started", "Reviews"):
        assert text in queue.text, text
    page = await client.get(f"/reviews/{assignment_id}")
    for text in (
        "The application",
        "Your review",
        "Save draft",
        "Submit review",
        "Other experts' reviews",
        "hidden until you submit your own",
        "Declare a conflict of interest",
        "Points, 0 to 10",
    ):
        assert text in page.text, text

    # A second expert in another browser sees the first one's review as "Expert 1" after submitting.
    await w.score(0, w.applications[0]["id"], {"premises": 8, "capacity": 7, "cofinancing": 4})
    async with client_for(app) as other:
        await signed_in_as_expert(other, w, 1)
        await other.get("/language/en")
        second = await w.assignment_for(1, w.applications[0]["id"])
        version = await version_on_page(other, second)
        await save(other, second, {**ALL_POINTS, "version": str(version), "submit": "1"})
        shown = await other.get(f"/reviews/{second}")
        assert "<h3>Expert 1</h3>" in shown.text and "Weighted total" in shown.text
        assert "Expert 0" not in shown.text and w.experts[0]["email"] not in shown.text
