"""The round pages and the staff screening queue, through HTTP with session cookies and CSRF tokens."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import UTC, datetime

from app.applications.tables import Round
from tests.conftest import csrf_token, login
from tests.integration.applications.conftest import COMPLETE_ANSWERS, ROUND4_RULES, start_application, upload

VINNYTSIA = "UA05020030000031457"  # urban, 387,439 residents, amalgamated 2018-09-20
AGRONOMICHNA = "UA05020010000053508"  # rural, 9,361 residents, not amalgamated
VINNYTSIA_OBLAST = "UA05000000000010236"
KYIV_OBLAST = "UA32000000000030281"


def round_form(**changes: str) -> dict[str, str]:
    form = {
        "programme_code": "ulead",
        "title_uk": "Раунд 5",
        "title_en": "Round 5",
        "description_uk": "Громади до 100 000 мешканців.",
        "description_en": "Hromadas of up to 100,000 residents.",
        "opens_at": "",
        "deadline": "2030-06-30T23:59",
        "quota": "150",
        "budget": "1500000.50",
        "currency": "EUR",
        "rules": json.dumps(ROUND4_RULES),
    }
    form.update(changes)
    return form


async def post_form(http, path: str, data: dict[str, str], form_page: str | None = None):
    token = await csrf_token(http, form_page or path)
    return await http.post(path, data={**data, "_csrf_token": token})


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea id="{name}"[^>]*>(.*?)</textarea>', page, flags=re.S)
    assert match, f"no textarea {name}"
    return html.unescape(match.group(1))


def plain(page: str) -> str:
    """The page's text with tags removed and non-breaking spaces made ordinary."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ").replace("\u202f", " ")


async def test_staff_create_a_round_through_the_form_with_the_deadline_in_kyiv_time(client, users, programme):
    await login(client, users["staff"]["email"])
    form = await client.get("/rounds/new")
    assert form.status_code == 200
    assert "council_decision" in textarea(form.text, "document_kinds")
    assert "cofinancing_percent" in textarea(form.text, "questions")
    assert json.loads(textarea(form.text, "rules")) == ROUND4_RULES

    created = await post_form(client, "/rounds/new", round_form())
    assert created.status_code == 303, created.text
    round_id = int(created.headers["location"].rsplit("/", 1)[1])
    stored = await Round.select().where(Round.id == round_id).first()
    # 23:59 on 30 June in Kyiv is summer time (UTC+3): 20:59 UTC.
    assert stored["deadline"].astimezone(UTC) == datetime(2030, 6, 30, 20, 59, tzinfo=UTC)
    assert stored["budget_minor"] == 150_000_050 and stored["quota"] == 150 and stored["status"] == "draft"
    rules = json.loads(stored["rules"]) if isinstance(stored["rules"], str) else stored["rules"]
    assert rules == ROUND4_RULES

    page = await client.get(f"/rounds/{round_id}")
    assert page.status_code == 200
    assert "2030-06-30T20:59:00+00:00" in page.text  # the <time datetime> for progressive enhancement
    assert "23:59" in page.text


async def test_malformed_rules_get_a_field_error_naming_the_path_and_keep_the_typed_text(client, users, programme):
    await login(client, users["staff"]["email"])
    typed = '{"all": [{"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": "big"}]}]}'
    refused = await post_form(
        client, "/rounds/new", round_form(rules=typed, title_uk="Неправильний раунд"), form_page="/rounds/new"
    )
    assert refused.status_code == 422
    assert re.search(r'<textarea id="rules"[^>]*aria-invalid="true"', refused.text)
    assert 'id="rules-error"' in refused.text
    assert "all[0].any[1]: population_max" in refused.text
    assert textarea(refused.text, "rules") == typed
    assert 'value="Неправильний раунд"' in refused.text
    assert await Round.count() == 0

    broken = await post_form(
        client, "/rounds/new", round_form(rules='{"all": [', title_uk="Р"), form_page="/rounds/new"
    )
    assert broken.status_code == 422
    assert "JSON" in broken.text and textarea(broken.text, "rules") == '{"all": ['

    unknown_document = {"rule": "documents_required", "value": ["budget_plan"]}
    refused = await post_form(
        client, "/rounds/new", round_form(rules=json.dumps(unknown_document)), form_page="/rounds/new"
    )
    assert refused.status_code == 422 and "budget_plan" in refused.text

    bad_budget = await post_form(client, "/rounds/new", round_form(budget="a lot"), form_page="/rounds/new")
    assert bad_budget.status_code == 422
    assert re.search(r'<input id="budget"[^>]*aria-invalid="true"', bad_budget.text)
    assert await Round.count() == 0


async def test_staff_open_a_round_with_the_status_form_and_see_why_a_jump_is_refused(client, users, programme):
    await login(client, users["staff"]["email"])
    created = await post_form(client, "/rounds/new", round_form())
    round_id = int(created.headers["location"].rsplit("/", 1)[1])
    page = await client.get(f"/rounds/{round_id}")
    assert 'name="status" value="open"' in page.text

    opened = await post_form(client, f"/rounds/{round_id}/status", {"status": "open"}, form_page=f"/rounds/{round_id}")
    assert opened.status_code == 303
    assert (await Round.select(Round.status).where(Round.id == round_id).first())["status"] == "open"

    jump = await post_form(client, f"/rounds/{round_id}/status", {"status": "decided"}, form_page=f"/rounds/{round_id}")
    assert jump.status_code == 409
    assert 'class="notice error" role="alert"' in jump.text
    assert "closed" in plain(jump.text).split("decided", 1)[1]  # the allowed next state is named
    assert (await Round.select(Round.status).where(Round.id == round_id).first())["status"] == "open"


async def test_the_round_page_shows_the_rules_in_plain_words_in_ukrainian_and_in_english(client, open_round):
    round_ = await open_round()
    ukrainian = await client.get(f"/rounds/{round_['id']}")
    assert ukrainian.status_code == 200
    text = plain(ukrainian.text)
    assert "Громада є об’єднаною" in text
    assert "Населення не більше 100 000" in text
    assert "Потрібні документи: Рішення ради про створення (модернізацію) ЦНАП, План приміщення ЦНАП" in text
    assert '<ul class="rules rules-top">' in ukrainian.text
    assert "Раунд 4" in text and "150" in text

    switched = await client.get(f"/language/en?next=/rounds/{round_['id']}")
    assert switched.status_code == 303
    english = await client.get(f"/rounds/{round_['id']}")
    text = plain(english.text)
    assert "Population at most 100,000" in text
    assert "The hromada is amalgamated (on or before the deadline)" in text
    assert "Documents required: Council decision to establish (modernise) the ASC, Plan of the ASC premises" in text
    assert "Round 4" in text
    assert "€1,500,000.00" in text  # budget_minor 150,000,000 cents
    assert re.search(r"Closes in (9|10) days", text)


async def test_a_leader_sees_the_apply_button_and_an_anonymous_visitor_does_not(client, users, as_role, open_round):
    round_ = await open_round()
    anonymous = await client.get(f"/rounds/{round_['id']}")
    assert f'action="/rounds/{round_["id"]}/apply"' not in anonymous.text
    assert f"/login?next=/rounds/{round_['id']}" in anonymous.text

    await login(client, users["leader"]["email"])
    leader = await client.get(f"/rounds/{round_['id']}")
    assert f'action="/rounds/{round_["id"]}/apply"' in leader.text
    assert "Вінницька міська громада" in plain(leader.text)

    applied = await post_form(client, f"/rounds/{round_['id']}/apply", {}, form_page=f"/rounds/{round_['id']}")
    assert applied.status_code == 303
    target = applied.headers["location"]
    assert re.fullmatch(r"/applications/\d+", target)
    again = await client.get(f"/rounds/{round_['id']}")
    assert f'action="/rounds/{round_["id"]}/apply"' not in again.text
    assert f'href="{target}"' in again.text

    other = await open_round()
    await start_application(client, as_role, other["id"])  # through the API: the page links to it as well
    assert 'href="/applications/' in (await client.get(f"/rounds/{other['id']}")).text


async def test_drafts_are_listed_for_staff_only_and_only_staff_get_the_new_round_button(
    client, users, as_role, open_round
):
    await open_round()
    draft = await client.post(
        "/api/v1/rounds", json={"programme_code": "ulead", "title_uk": "Чернетка раунду"}, headers=as_role("staff")
    )
    assert draft.status_code == 201
    public = await client.get("/rounds")
    assert public.status_code == 200
    assert "Раунд 4" in public.text and "Чернетка раунду" not in public.text
    assert 'href="/rounds/new"' not in public.text
    assert (await client.get(f"/rounds/{draft.json()['id']}")).status_code == 404

    await login(client, users["staff"]["email"])
    staff = await client.get("/rounds")
    assert "Чернетка раунду" in staff.text and 'href="/rounds/new"' in staff.text


async def test_a_leader_is_refused_the_staff_pages(client, users, open_round):
    round_ = await open_round()
    anonymous = await client.get("/rounds/new")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")

    await login(client, users["leader"]["email"])
    assert (await client.get("/rounds/new")).status_code == 403
    assert (await client.get(f"/rounds/{round_['id']}/applications")).status_code == 403
    assert (await client.get(f"/rounds/{round_['id']}/applications.csv")).status_code == 403
    assert (await client.get(f"/rounds/{round_['id']}/edit")).status_code == 403
    moved = await post_form(
        client, f"/rounds/{round_['id']}/status", {"status": "closed"}, form_page=f"/rounds/{round_['id']}"
    )
    assert moved.status_code == 403
    assert (await Round.select(Round.status).where(Round.id == round_["id"]).first())["status"] == "open"


async def submitted(client, as_role, round_id: int, hromada: str, role: str) -> int:
    application = (
        await start_application(client, as_role, round_id, hromada=hromada, role=role, answers=COMPLETE_ANSWERS)
    ).json()
    for kind in ("council_decision", "premises_plan"):
        assert (await upload(client, as_role, application["id"], kind, role=role)).status_code == 201
    response = await client.post(f"/api/v1/applications/{application['id']}/submit", headers=as_role(role))
    assert response.status_code == 200, response.text
    return application["id"]


async def test_the_screening_queue_filters_and_counts_the_applications(client, users, as_role, open_round):
    round_ = await open_round(rules={"all": [{"rule": "population_max", "value": 100000}]})
    city = await submitted(client, as_role, round_["id"], VINNYTSIA, "leader")  # too large: not eligible
    village = await submitted(client, as_role, round_["id"], AGRONOMICHNA, "other_leader")
    await login(client, users["staff"]["email"])
    base = f"/rounds/{round_['id']}/applications"

    queue = await client.get(base)
    assert queue.status_code == 200
    assert f'href="/applications/{city}"' in queue.text and f'href="/applications/{village}"' in queue.text
    assert re.search(r'href="\?status=submitted"[^>]*>.*?</span> <strong>2</strong>', queue.text, flags=re.S)
    found = re.compile(r'<p role="status">[^<]*?(\d+)</p>')
    assert found.search(queue.text).group(1) == "2"  # unfiltered: the total of the status counts

    eligible = await client.get(base, params={"eligible": "yes"})
    assert f'href="/applications/{village}"' in eligible.text and f'href="/applications/{city}"' not in eligible.text
    assert found.search(eligible.text).group(1) == "1"  # filtered: counted by the database
    not_eligible = await client.get(base, params={"eligible": "no"})
    assert f'href="/applications/{city}"' in not_eligible.text
    assert f'href="/applications/{village}"' not in not_eligible.text

    by_name = await client.get(base, params={"q": "агроном"})
    assert f'href="/applications/{village}"' in by_name.text and f'href="/applications/{city}"' not in by_name.text
    assert found.search(by_name.text).group(1) == "1"
    in_oblast = await client.get(base, params={"oblast": VINNYTSIA_OBLAST})
    assert f'href="/applications/{village}"' in in_oblast.text and f'href="/applications/{city}"' in in_oblast.text
    elsewhere = await client.get(base, params={"oblast": KYIV_OBLAST})
    assert "/applications/" + str(village) not in elsewhere.text
    drafts = await client.get(base, params={"status": "draft"})
    assert f'href="/applications/{village}"' not in drafts.text

    by_population = await client.get(base, params={"sort": "-population"})
    assert by_population.text.index(f"/applications/{city}") < by_population.text.index(f"/applications/{village}")
    assert 'aria-sort="descending"' in by_population.text
    ascending = await client.get(base, params={"sort": "population"})
    assert ascending.text.index(f"/applications/{village}") < ascending.text.index(f"/applications/{city}")


async def test_staff_download_the_exports_through_page_routes(client, users, as_role, open_round):
    round_ = await open_round()
    application = await submitted(client, as_role, round_["id"], VINNYTSIA, "leader")
    await login(client, users["staff"]["email"])

    exported = await client.get(f"/rounds/{round_['id']}/applications.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "hromada_code", "hromada"]
    assert [str(application), VINNYTSIA] == rows[1][:2]

    workbook = await client.get(f"/rounds/{round_['id']}/applications.xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"

    registry = await client.get(f"/rounds/{round_['id']}/eligibility.csv")
    assert registry.status_code == 200
    lines = registry.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("hromada_code,") and len(lines) > 1000


async def test_staff_edit_an_open_round_without_touching_its_rules(client, users, open_round):
    round_ = await open_round()
    await login(client, users["staff"]["email"])
    form = await client.get(f"/rounds/{round_['id']}/edit")
    assert form.status_code == 200
    assert re.search(r'<textarea id="rules"[^>]*disabled', form.text)
    assert json.loads(textarea(form.text, "rules")) == ROUND4_RULES

    token = await csrf_token(client, f"/rounds/{round_['id']}/edit")
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+"[^>]*value="([^"]*)"', form.text))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    saved = await client.post(
        f"/rounds/{round_['id']}/edit",
        data={**fields, "currency": "EUR", "title_en": "Round 4, corrected", "rules": "{}", "_csrf_token": token},
    )
    assert saved.status_code == 303, saved.text
    stored = await Round.select().where(Round.id == round_["id"]).first()
    assert stored["title_en"] == "Round 4, corrected"
    rules = json.loads(stored["rules"]) if isinstance(stored["rules"], str) else stored["rules"]
    assert rules == ROUND4_RULES
