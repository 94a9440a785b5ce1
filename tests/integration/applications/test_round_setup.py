"""The staff's round form: creating and editing a round through the pages."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

from app.applications.tables import Round
from tests.conftest import csrf_token, login
from tests.integration.applications.conftest import ROUND4_RULES
from tests.integration.applications.round_page import post_form, round_form, textarea


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
