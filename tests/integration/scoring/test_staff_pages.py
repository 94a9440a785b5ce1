"""The staff pages of the expert review (dashboard, ranking, selection) and the decision the leader sees,
through HTTP with session cookies and CSRF tokens."""

from __future__ import annotations

import html
import io
import re

from app.applications.tables import Application
from app.scoring.tables import Assignment, Moderation, Selection
from tests.conftest import client_for, csrf_token, login
from tests.integration.scoring.test_review_api import auto
from tests.integration.scoring.test_selection_api import ranked_world

HIGH = {"premises": 10, "capacity": 10, "cofinancing": 5}  # total 35
LOW = {"premises": 2, "capacity": 2, "cofinancing": 1}  # total 7: far from 35, so the application is flagged


def plain(page: str) -> str:
    """The page's text with tags removed and spaces made ordinary."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text)


def section(page: str, start: str, end: str | None = None) -> str:
    """The part of the page from the element with id ``start`` up to the one with id ``end``."""
    begin = page.index(f'id="{start}"')
    return page[begin : page.index(f'id="{end}"', begin)] if end else page[begin:]


def order_of(page: str, ids: list[int]) -> list[int]:
    """``ids`` sorted by where their application links first appear on the page."""
    return sorted(ids, key=lambda i: page.index(f'href="/applications/{i}"'))


async def as_staff(client, users) -> None:
    await login(client, users["staff"]["email"])
    await client.get("/language/en")


async def post_form(http, path: str, data: dict, form_page: str):
    token = await csrf_token(http, form_page)
    return await http.post(path, data={**data, "_csrf_token": token})


async def flagged_world(world):
    w = await world(n_applications=2, n_experts=3)
    await auto(w)
    flagged = w.applications[0]["id"]
    assert (await w.score(0, flagged, HIGH)).status_code == 200
    assert (await w.score(1, flagged, LOW)).status_code == 200
    return w, flagged


async def test_dashboard_shows_each_experts_progress_and_the_flagged_application(world, client, users):
    w, flagged = await flagged_world(world)
    calm = w.applications[1]["id"]
    await as_staff(client, users)

    page = await client.get(f"/rounds/{w.round_id}/review")

    assert page.status_code == 200
    experts = section(page.text, "experts", "assignment")
    for index in range(3):
        assert f"expert{index}@test.asc" in experts
    # Every expert has both applications; experts 0 and 1 submitted one review each, expert 2 none.
    assert experts.count('value="1" max="2"') == 2 and experts.count('value="0" max="2"') == 1
    assert "Reviews submitted: 2 of 6" in plain(page.text)
    disagreements = section(page.text, "disagreements", "failed")
    assert f'href="/applications/{flagged}"' in disagreements and f'href="/applications/{calm}"' not in disagreements
    assert "disagreement" in plain(disagreements)
    assert re.search(r"35 ?, 7|7 ?, 35", plain(disagreements))
    assert f'action="/applications/{flagged}/moderation-form"' in disagreements
    # The free expert (expert 2 has both applications already) is not offered twice: nobody is free here.
    assert "No free expert" in plain(disagreements)
    # Submitted reviews can be reopened, with a reason.
    assert section(page.text, "reviews").count("/reopen-form") == 2
    # Each assignment shows its review's state: the two submitted ones with their totals, the others not.
    assignments = section(page.text, "assignment", "conflicts")
    assert assignments.count('<span class="badge ok">submitted</span>') == 2
    assert "submitted 35" in plain(assignments) and "submitted 7" in plain(assignments)
    badges = re.findall(r'<td data-label="Review">(.*?)</td>', assignments)
    assert len(badges) == 6 and badges.count('<span class="badge">draft</span>') == 4


async def test_the_dashboards_long_lists_come_a_page_at_a_time(world, client, users, monkeypatch):
    """Assignments and submitted reviews grow with the round: the page shows a page of each, with links on."""
    from app.scoring import staff_pages

    monkeypatch.setattr(staff_pages, "LIST_PAGE_SIZE", {"assignments": 4, "reviews": 1, "disagreements": 1})
    w, _flagged = await flagged_world(world)  # 2 applications × 3 experts: 6 assignments, 2 submitted reviews
    await as_staff(client, users)
    dashboard = f"/rounds/{w.round_id}/review"

    first = await client.get(dashboard)
    assignments = section(first.text, "assignment", "conflicts")
    assert assignments.count('name="remove"') == 4 and "Change assignments by hand (6 assignments)" in plain(first.text)
    assert 'href="?&amp;assignments_page=2#assignment"' in assignments and "Page 1 of 2" in plain(assignments)
    reviews = section(first.text, "reviews")
    assert reviews.count("/reopen-form") == 1 and 'href="?&amp;reviews_page=2#reviews"' in reviews

    second = await client.get(dashboard, params={"assignments_page": "2", "reviews_page": "2"})
    assert section(second.text, "assignment", "conflicts").count('name="remove"') == 2
    assert "Page 2 of 2" in plain(section(second.text, "assignment", "conflicts"))
    assert section(second.text, "reviews").count("/reopen-form") == 1
    # The two pages of reviews show different reviews; a page past the end shows the last one.
    assert re.findall(r"/reviews/(\d+)/reopen-form", first.text) != re.findall(
        r"/reviews/(\d+)/reopen-form", second.text
    )
    beyond = await client.get(dashboard, params={"assignments_page": "9"})
    assert beyond.status_code == 200 and section(beyond.text, "assignment", "conflicts").count('name="remove"') == 2
    for odd in ("²", "-1", "x", "9" * 5000):
        page = await client.get(dashboard, params={"assignments_page": odd})
        assert page.status_code == 200 and "Page 1 of 2" in plain(section(page.text, "assignment", "conflicts"))


async def test_automatic_assignment_through_the_form_creates_the_assignments(world, client, users):
    w = await world(n_applications=3, n_experts=3)
    await as_staff(client, users)
    dashboard = f"/rounds/{w.round_id}/review"

    response = await post_form(client, f"{dashboard}/assign", {"per_application": "2", "seed": "5"}, dashboard)

    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{dashboard}?done=assigned&n=6")
    assert await Assignment.count().where(Assignment.round == w.round_id) == 6
    after = await client.get(response.headers["location"])
    assert "Automatic assignment made 6 new assignments." in plain(after.text)
    assert section(after.text, "experts", "assignment").count('value="0" max="2"') == 3

    refused = await post_form(client, f"{dashboard}/assign", {"per_application": "0", "seed": "5"}, dashboard)
    assert refused.status_code == 422
    assert 'id="assign_per_application-error"' in refused.text


async def test_the_rubric_form_refuses_changes_to_the_criteria_once_review_began(world, client, users):
    w = await world(n_applications=1, n_experts=3)
    await auto(w)
    await as_staff(client, users)
    dashboard = f"/rounds/{w.round_id}/review"
    before = await client.get(dashboard)
    stale = html.unescape(re.search(r'<textarea id="criteria"[^>]*>(.*?)</textarea>', before.text, re.S).group(1))
    assert '<textarea id="criteria" name="criteria" rows="14" class="code" spellcheck="false" >' in before.text

    saved = await w.score(0, w.applications[0]["id"], {"premises": 5}, submit=False)  # review begins
    assert saved.status_code == 200
    form = {
        "criteria": stale.replace('"max_points": 10', '"max_points": 12', 1),
        "overall_threshold": "",
        "reviews_per_application": "3",
        "divergence_percent": "30",
        "hide_reviews_until": "own",
        "package_amount": "",
    }
    refused = await post_form(client, f"{dashboard}/rubric", form, dashboard)

    assert refused.status_code == 409
    assert "The rubric cannot change: experts have begun scoring this round." in plain(refused.text)
    # The page now locks the criteria, and the settings that stay editable still save.
    assert 'name="criteria" rows="14" class="code" spellcheck="false" disabled' in refused.text
    settings = {
        "divergence_percent": "25",
        "hide_reviews_until": "all",
        "show_scores_to_applicants": "on",
        "package_amount": "150000.50",
    }
    saved = await post_form(client, f"{dashboard}/rubric", settings, dashboard)
    assert saved.status_code == 303, saved.text
    rubric = (await client.get(f"/api/v1/rounds/{w.round_id}/criteria", headers=w.staff)).json()
    assert rubric["config"]["divergence_percent"] == 25 and rubric["config"]["hide_reviews_until"] == "all"
    assert rubric["config"]["show_scores_to_applicants"] is True
    assert rubric["config"]["package_amount_minor"] == 15_000_050
    assert [c["max_points"] for c in rubric["criteria"]] == [10, 10, 5]


async def test_the_rubric_form_names_the_field_of_a_mistake(world, client, users):
    w = await world(n_applications=1, n_experts=1)
    await as_staff(client, users)
    dashboard = f"/rounds/{w.round_id}/review"
    form = {
        "criteria": '[{"key": "premises", "title_uk": "Приміщення", "max_points": 10}',
        "overall_threshold": "",
        "reviews_per_application": "3",
        "divergence_percent": "30",
        "hide_reviews_until": "own",
        "package_amount": "",
    }

    broken = await post_form(client, f"{dashboard}/rubric", form, dashboard)

    assert broken.status_code == 422
    assert 'id="criteria-error"' in broken.text and "This is not valid JSON" in plain(broken.text)
    assert "&#34;premises&#34;" in broken.text or "&quot;premises&quot;" in broken.text  # the typed text is kept


async def test_staff_moderate_a_flagged_application_through_the_form(world, client, users):
    w, flagged = await flagged_world(world)
    await as_staff(client, users)
    dashboard = f"/rounds/{w.round_id}/review"
    path = f"/applications/{flagged}/moderation-form"

    missing = await post_form(client, path, {"score": "20", "justification": " "}, dashboard)
    assert missing.status_code == 422
    assert f'id="moderation-{flagged}-justification-error"' in missing.text
    too_high = await post_form(client, path, {"score": "99", "justification": "Перевірено"}, dashboard)
    assert too_high.status_code == 422 and f'id="moderation-{flagged}-score-error"' in too_high.text

    done = await post_form(client, path, {"score": "20,5", "justification": "Третя думка: середній рівень"}, dashboard)

    assert done.status_code == 303
    moderation = await Moderation.select().where(Moderation.application == flagged).first()
    assert moderation["score"] == 20.5
    page = await client.get(done.headers["location"])
    disagreements = plain(section(page.text, "disagreements", "failed"))
    assert "moderated" in disagreements and "Третя думка: середній рівень" in disagreements


async def test_a_further_expert_is_added_to_a_flagged_application(world, client, users):
    w = await world(n_applications=1, n_experts=3)
    await auto(w, per_application=2)
    flagged = w.applications[0]["id"]
    assigned = {r["expert"] for r in await Assignment.select(Assignment.expert)}
    scorers = [i for i, e in enumerate(w.experts) if e["id"] in assigned]
    await w.score(scorers[0], flagged, HIGH)
    await w.score(scorers[1], flagged, LOW)
    free = next(e["id"] for e in w.experts if e["id"] not in assigned)
    await as_staff(client, users)
    dashboard = f"/rounds/{w.round_id}/review"

    response = await post_form(
        client,
        f"{dashboard}/assignments",
        {"origin": f"flagged-{flagged}", "add_application_0": str(flagged), "add_expert_0": str(free)},
        dashboard,
    )

    assert response.status_code == 303
    assert await Assignment.count().where(Assignment.application == flagged) == 3


async def test_the_ranking_page_lists_applications_in_rank_order_with_badges(world, client, users):
    w, ids = await ranked_world(world)
    await as_staff(client, users)

    page = await client.get(f"/rounds/{w.round_id}/ranking")

    assert page.status_code == 200
    assert order_of(page.text, ids) == ids
    rows = page.text.split("<tr>")
    failing = next(row for row in rows if f'href="/applications/{ids[3]}"' in row)
    assert "fails: Приміщення" in plain(failing)  # the criterion's title, as the round spells it
    assert "Score of 35" in plain(page.text)
    assert f'href="/rounds/{w.round_id}/ranking.xlsx"' in page.text
    assert f'href="/rounds/{w.round_id}/reviews.xlsx"' in page.text

    from openpyxl import load_workbook

    export = await client.get(f"/rounds/{w.round_id}/ranking.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [sheet.cell(row=r, column=2).value for r in range(2, 6)] == ids
    reviews = await client.get(f"/rounds/{w.round_id}/reviews.xlsx")
    assert load_workbook(io.BytesIO(reviews.content)).active.max_row == 13


async def test_the_selection_preview_shows_winners_reserve_and_the_rest(world, client, users):
    w, ids = await ranked_world(world)
    await as_staff(client, users)
    selection = f"/rounds/{w.round_id}/selection"

    first = await client.get(selection)  # the round's quota of 2 is the starting point
    assert first.status_code == 200 and 'name="quota" type="number" min="1" step="1" value="2"' in first.text
    # A budget of 2,500.00 fits two packages of 1,000.00: the third passing application goes to the reserve.
    page = await post_form(client, selection, {"quota": "3", "budget": "2500", "oblast_cap": ""}, selection)

    assert page.status_code == 200
    winners = section(page.text, "winners-title", "reserve-title")
    reserve = section(page.text, "reserve-title", "rest-title")
    rest = section(page.text, "rest-title", "confirm-title")
    assert order_of(winners, ids[:2]) == ids[:2] and f"/applications/{ids[2]}" not in winners
    assert "2,000.00" in plain(winners) and "of the budget of €2,500.00" in plain(winners)
    assert f"/applications/{ids[2]}" in reserve
    assert f"/applications/{ids[3]}" in rest and "fails the thresholds: Приміщення" in plain(rest)
    confirm = section(page.text, "confirm-title")
    assert len(re.findall(r'name="winners" value="\d+" checked', confirm)) == 2
    assert 'name="budget" value="2500"' in confirm

    bad = await post_form(client, selection, {"quota": "0", "budget": "lots"}, selection)
    assert bad.status_code == 422 and 'id="quota-error"' in bad.text


async def test_confirming_an_adjusted_list_over_the_quota_says_which_limit_broke(world, client, users):
    w, ids = await ranked_world(world)
    await as_staff(client, users)
    selection = f"/rounds/{w.round_id}/selection"

    over = await post_form(
        client,
        f"{selection}/confirm",
        {"quota": "2", "budget": "", "oblast_cap": "", "winners": [str(i) for i in ids[:3]]},
        selection,
    )

    assert over.status_code == 422
    assert "The selection has 3 winners, more than the quota of 2." in plain(over.text)
    assert len(re.findall(r'name="winners" value="\d+" checked', over.text)) == 3  # the adjustment is kept
    assert await Selection.count() == 0

    over_budget = await post_form(
        client,
        f"{selection}/confirm",
        {"quota": "3", "budget": "1500", "winners": [str(i) for i in ids[:2]]},
        selection,
    )
    assert over_budget.status_code == 422
    assert "Over the budget" in plain(over_budget.text) and "€1,500.00" in plain(over_budget.text)


async def test_confirming_publishes_the_decision_and_the_leader_sees_it(app, world, client, users):
    w, ids = await ranked_world(world)
    await as_staff(client, users)
    dashboard = f"/rounds/{w.round_id}/review"
    shown = await post_form(
        client,
        f"{dashboard}/rubric",
        {
            "divergence_percent": "30",
            "hide_reviews_until": "own",
            "show_scores_to_applicants": "on",
            "package_amount": "1000",
        },
        dashboard,
    )
    assert shown.status_code == 303
    selection = f"/rounds/{w.round_id}/selection"

    confirmed = await post_form(
        client,
        f"{selection}/confirm",
        {"quota": "2", "budget": "", "oblast_cap": "", "winners": [str(ids[1]), str(ids[0])]},
        selection,
    )

    assert confirmed.status_code == 303, confirmed.text
    published = await client.get(confirmed.headers["location"])
    assert "The selection was confirmed and the decision published" in plain(published.text)
    assert "The published decision" in plain(published.text)
    statuses = {r["id"]: r["status"] for r in await Application.select(Application.id, Application.status)}
    assert [statuses[i] for i in ids] == ["selected", "selected", "reserve", "rejected"]

    async with client_for(app) as leader:
        await login(leader, w.applications[0]["leader_email"])
        await leader.get("/language/en")
        application = await leader.get(f"/applications/{ids[0]}")
        assert f'hx-get="/applications/{ids[0]}/outcome" hx-trigger="load"' in application.text
        assert f'<a href="/applications/{ids[0]}/outcome">' in application.text  # the link without JavaScript
        outcome = await leader.get(f"/applications/{ids[0]}/outcome")
        assert outcome.status_code == 200 and "<html" in outcome.text
        text = plain(outcome.text)
        assert "Selected" in text and "Mean score: 32 of 35" in text
        partial = await leader.get(f"/applications/{ids[0]}/outcome", headers={"hx-request": "true"})
        assert "<html" not in partial.text and 'id="outcome"' in partial.text
        other = await leader.get(f"/applications/{ids[2]}/outcome")
        assert other.status_code == 404

    async with client_for(app) as reserve:
        await login(reserve, w.applications[2]["leader_email"])
        await reserve.get("/language/en")
        text = plain((await reserve.get(f"/applications/{ids[2]}/outcome")).text)
        assert "Reserve list" in text and "Your place on the list: 1." in text

    again = await post_form(client, f"{selection}/confirm", {"quota": "2", "winners": [str(ids[2])]}, selection)
    assert again.status_code == 409
    assert "The selection of this round is already confirmed." in plain(again.text)


async def test_the_leader_sees_the_experts_comments_without_their_names_when_the_round_allows(
    app, world, client, users
):
    w = await world(n_applications=1, n_experts=3, config={"show_scores_to_applicants": True})
    await auto(w)
    application = w.applications[0]["id"]
    for index, comment in enumerate(["Приміщення готове", "Бракує персоналу", ""]):
        response = await w.score(
            index,
            application,
            {"premises": 8, "capacity": 6, "cofinancing": 4},
            comments={"premises": comment} if comment else {},
        )
        assert response.status_code == 200, response.text
    await as_staff(client, users)
    selection = f"/rounds/{w.round_id}/selection"
    confirmed = await post_form(
        client, f"{selection}/confirm", {"quota": "1", "winners": [str(application)]}, selection
    )
    assert confirmed.status_code == 303, confirmed.text

    async with client_for(app) as leader:
        await login(leader, w.applications[0]["leader_email"])
        await leader.get("/language/en")
        page = await leader.get(f"/applications/{application}/outcome", headers={"hx-request": "true"})

    text = plain(page.text)
    assert "Mean score: 26 of 35" in text
    assert "Приміщення готове" in text and "Бракує персоналу" in text
    assert "@test.asc" not in page.text
    assert text.count("Expert ") == 2  # two experts commented, shown as "Expert 1" and "Expert 2" only


async def test_when_a_winner_withdraws_the_form_shows_who_was_promoted(world, client, users):
    w, ids = await ranked_world(world)
    await as_staff(client, users)
    selection = f"/rounds/{w.round_id}/selection"
    await post_form(client, f"{selection}/confirm", {"quota": "2", "winners": [str(ids[0]), str(ids[1])]}, selection)

    promoted = await post_form(client, f"{selection}/promote", {"withdrawn": str(ids[0])}, selection)

    assert promoted.status_code == 303
    page = await client.get(promoted.headers["location"])
    names = {
        r["id"]: r["name"]
        for r in await Application.select(Application.id, Application.hromada.full_name.as_alias("name"))
    }
    assert f"{names[ids[0]]} withdrew; {names[ids[2]]} was promoted from the reserve list." in plain(page.text)
    assert order_of(section(page.text, "published-title", "promote-title"), [ids[1], ids[2]]) == [ids[1], ids[2]]


async def test_people_who_are_not_staff_get_403_on_the_staff_pages(app, world, client, users):
    w = await world(n_applications=1, n_experts=1)
    for email in (users["expert"]["email"], w.applications[0]["leader_email"]):
        async with client_for(app) as http:
            await login(http, email)
            for path in ("review", "ranking", "selection", "ranking.xlsx"):
                response = await http.get(f"/rounds/{w.round_id}/{path}")
                assert response.status_code == 403, (email, path)
            token = await csrf_token(http, "/rounds")
            posted = await http.post(
                f"/rounds/{w.round_id}/review/assign", data={"per_application": "1", "seed": "1", "_csrf_token": token}
            )
            assert posted.status_code == 403
    anonymous = await client.get(f"/rounds/{w.round_id}/review")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
