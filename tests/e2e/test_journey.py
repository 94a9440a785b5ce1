"""The whole journey in a real browser, once in Ukrainian and once in English.

Programme staff create and open a round; a hromada's leader fills the form (the draft survives a reload
and a lost connection), uploads documents, sees the live verdict and submits; an ineligible hromada's
leader sees why; staff screen; four experts are added and three assigned, one declares a conflict and
loses access, the others score apart so the application is flagged; staff moderate, rank, select and
confirm; the leader sees the decision; staff run a lot through to acceptance; the leader reports the
opening; the dashboard shows it. Every page on the way is checked at 375 px and 1280 px (no sideways
scrolling) and with axe-core (no serious or critical violation), and every form is sent with the keyboard.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_decimal

from tests.e2e.helpers import Journey, small_pdf, small_png

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=15_000)
KYIV = ZoneInfo("Europe/Kyiv")
RUBRIC = [
    {
        "key": "premises",
        "title_uk": "Готовність приміщення",
        "title_en": "Readiness of premises",
        "guidance_uk": "Площа, стан, доступність.",
        "guidance_en": "Area, condition, access.",
        "max_points": 10,
        "weight": 1,
        "threshold": None,
    },
    {
        "key": "capacity",
        "title_uk": "Спроможність і персонал",
        "title_en": "Capacity and staff",
        "guidance_uk": "Адміністратори, підтримка ради.",
        "guidance_en": "Administrators, support of the council.",
        "max_points": 10,
        "weight": 1,
        "threshold": None,
    },
]
RULES = {
    "all": [
        {"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": 100000}]},
        {"rule": "answer_min", "field": "cofinancing_percent", "value": 10},
        {"rule": "documents_required", "value": ["council_decision", "premises_plan"]},
    ]
}
# Points per expert: totals 20, 18 and 4 differ by far more than 30% of the highest: a disagreement.
SCORES = [(10, 10), (9, 9), (2, 2)]


def _id_from(url: str, pattern: str) -> int:
    match = re.search(pattern, url)
    assert match, f"{pattern} not in {url}"
    return int(match.group(1))


def _wait_saved(page) -> None:
    """Wait until the draft holds nothing unsaved: autosave.js keeps a browser copy of every field typed
    until the server confirms it, and htmx marks the form while a save is on its way."""
    page.wait_for_function(
        "() => !Object.keys(localStorage).some(k => k.startsWith('asc-draft:'))"
        " && !document.querySelector('#answers-form.htmx-request')"
    )


@pytest.fixture
def journey(request, browser, server):
    lang = request.node.callspec.params["lang"]
    run = Journey(browser=browser, base_url=server.url, lang=lang)
    yield run
    for shot in run.screenshots(f"journey-{lang}"):
        print(f"\nthe last page of the {lang} journey: {shot}")
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        for shot in run.failure_screenshots(f"journey-{lang}"):
            print(f"\na page open when the {lang} journey failed: {shot}")
        if run.problems:
            print("\n" + run.report())
    run.close()


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_round_from_call_to_opened_centre(journey: Journey, api, lang: str):
    started = time.monotonic()
    tag = f"{lang}{int(time.time() * 1000) % 10_000_000}"
    number = lambda value: format_decimal(value, locale=lang)  # noqa: E731
    say = lambda uk, en: uk if lang == "uk" else en  # noqa: E731

    journey.step("Set-up that is not a page step: accounts and a programme")
    hromadas = api.hromadas()
    small = [h for h in hromadas if h["amalgamated"] and 10_000 < h["population"] < 50_000]
    eligible = small[0 if lang == "uk" else 1]
    too_big = next(
        h for h in hromadas if not h["amalgamated"] and h["population"] > 100_000 and h["code"] != eligible["code"]
    )
    staff = f"staff-{tag}@e2e.asc"
    leader = f"leader-{tag}@e2e.asc"
    outsider = f"outsider-{tag}@e2e.asc"
    experts = [f"expert{i}-{tag}@e2e.asc" for i in range(4)]
    api.user(staff, say("Петро Програмний", "Peter Programme"), "staff")
    api.user(leader, say("Голова громади", "Head of the hromada"), "applicant", eligible["code"])
    api.user(outsider, say("Голова великої громади", "Head of a big city"), "applicant", too_big["code"])
    expert_names = [f"Експерт {i + 1} {tag}" for i in range(4)]
    for email, name in zip(experts, expert_names, strict=True):
        api.user(email, name, "expert")
    api.programme("ulead-e2e", "U-LEAD з Європою (e2e)", "U-LEAD with Europe (e2e)")

    journey.step("Staff create a round with rules, give it a rubric, open it")
    office = journey.person(staff, login_form_by_keyboard=True, check_login=True)
    with office.expect_navigation():
        office.locator("header nav a[href='/rounds']").click()
    journey.check(office, "rounds list (staff)")
    with office.expect_navigation():
        office.locator("main a[href='/rounds/new']").click()
    journey.check(office, "new round form")
    deadline = (datetime.now(KYIV) + timedelta(days=30)).replace(hour=18, minute=0)
    office.select_option("#programme_code", "ulead-e2e")
    office.fill("#rules", json.dumps(RULES, indent=2))
    office.fill("#deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    office.fill("#description_uk", "Громади до 100 000 мешканців і об'єднані громади.")
    office.fill("#description_en", "Hromadas of up to 100,000 residents and amalgamated hromadas.")
    journey.keyboard_submit(
        office,
        office.locator("form.round-form button[type=submit]"),
        [
            (office.locator("#title_uk"), f"ЦНАП: раунд {tag}"),
            (office.locator("#title_en"), f"ASC: round {tag}"),
            (office.locator("#quota"), "1"),
            (office.locator("#budget"), "300000"),
        ],
        start=office.locator("#budget"),
    )
    round_id = _id_from(office.url, r"/rounds/(\d+)$")
    journey.check(office, "round page (draft)")

    office.goto(f"/rounds/{round_id}/review")
    office.locator("#rubric details summary").click()
    office.fill("#criteria", json.dumps(RUBRIC, ensure_ascii=False, indent=2))
    office.locator("input[name=show_scores_to_applicants]").check()
    journey.keyboard_submit(
        office,
        office.locator("form[action$='/review/rubric'] button[type=submit]"),
        [(office.locator("#overall_threshold"), "5"), (office.locator("#package_amount"), "150000")],
        start=office.locator("#package_amount"),
    )
    assert office.locator("#rubric table tbody tr").count() == 2

    office.goto(f"/rounds/{round_id}")
    journey.keyboard_submit(office, office.locator("form[action$='/status']:has(input[value=open]) button"))
    assert office.locator("hgroup .badge.ok").count() == 1, "the round is not open"
    journey.check(office, "round page (open, staff)")

    journey.step("The leader fills the form: autosave, reload, lost connection, live verdict")
    mayor = journey.person(leader, login_form_by_keyboard=True)
    mayor.goto("/applications/mine")
    journey.check(mayor, "my applications (before applying)")
    mayor.locator(f"a[href='/rounds/{round_id}']").first.click()
    mayor.wait_for_url(f"**/rounds/{round_id}")
    journey.check(mayor, "round page (leader)")
    journey.keyboard_submit(mayor, mayor.locator(f"form[action='/rounds/{round_id}/apply'] button"))
    application_id = _id_from(mayor.url, r"/applications/(\d+)")
    journey.check(mayor, "application form (empty draft)")
    # Before any answer or document the live verdict says what is missing.
    assert mayor.locator("#verdict .badge.bad").count() >= 1

    mayor.select_option("#q-asc_model", "regular")
    _wait_saved(mayor)
    mayor.select_option("#q-project_kind", "modernisation")
    _wait_saved(mayor)
    mayor.locator("#q-cofinancing_percent").focus()
    mayor.keyboard.type("5")
    _wait_saved(mayor)
    # The live verdict follows the answers: 5% co-financing is below the round's minimum of 10%.
    cofinancing = mayor.locator("#verdict li", has_text="%")
    expect(cofinancing).to_contain_text(f"{number(5)},")
    expect(cofinancing.locator(".badge.bad")).to_have_count(1)
    expect(cofinancing).to_contain_text(number(10))
    mayor.locator("#q-cofinancing_percent").focus()
    mayor.keyboard.press("Control+A")
    mayor.keyboard.type("20")
    _wait_saved(mayor)
    expect(cofinancing).to_contain_text(f"{number(20)},")
    expect(cofinancing.locator(".badge.ok")).to_have_count(1)
    mayor.locator("#q-staff_count").focus()
    mayor.keyboard.type("6")
    mayor.locator("#q-planned_opening").fill((datetime.now(KYIV) + timedelta(days=200)).strftime("%Y-%m-%d"))
    mayor.locator("#q-premises").focus()
    mayor.keyboard.type("Перший поверх ратуші, 120 м², окремий вхід з пандусом.")
    _wait_saved(mayor)

    # A reload keeps what was saved.
    mayor.reload()
    assert mayor.locator("#q-premises").input_value().startswith("Перший поверх ратуші")
    assert mayor.locator("#q-cofinancing_percent").input_value() == "20"

    # Text typed but not saved (here the save is made to fail, so the test does not race the autosave's
    # delay) comes back from the browser's copy after a reload, and is saved then.
    answers = f"**/applications/{application_id}/answers"
    journey.offline = True
    mayor.route(answers, lambda route: route.abort("internetdisconnected"))
    mayor.locator("#q-premises").focus()
    mayor.keyboard.press("End")
    mayor.keyboard.type(" Черга на 6 вікон.")
    mayor.locator("#autosave-offline").wait_for(state="visible")
    mayor.unroute(answers)
    mayor.reload()
    journey.offline = False
    assert mayor.locator("#autosave-restored").is_visible()
    assert mayor.locator("#q-premises").input_value().endswith("Черга на 6 вікон.")
    _wait_saved(mayor)

    # The connection drops while the leader types: the page says the text is not saved, and saves it
    # when the connection returns.
    journey.set_offline(mayor, True)
    mayor.locator("#q-premises").focus()
    mayor.keyboard.press("End")
    mayor.keyboard.type(" Wi-Fi для відвідувачів.")
    mayor.locator("#autosave-offline").wait_for(state="visible")
    journey.check(mayor, "application form (offline notice)")
    journey.set_offline(mayor, False)
    _wait_saved(mayor)
    mayor.locator("#autosave-offline").wait_for(state="hidden")
    journey.offline = False
    mayor.reload()
    assert mayor.locator("#q-premises").input_value().endswith("Wi-Fi для відвідувачів.")

    # Submitting before the documents are attached is refused, and the page says what is missing where.
    journey.keyboard_submit(
        mayor,
        mayor.locator("button[formaction$='/submit']"),
        start=mayor.locator("#doc-cofinancing_letter form[enctype] button[type=submit]"),
    )
    assert mayor.locator("#page-error").is_visible()
    for kind in ("council_decision", "premises_plan"):
        assert mayor.locator(f"#file-{kind}-error").is_visible(), f"no error next to {kind}"
        assert mayor.locator(f"#file-{kind}").get_attribute("aria-invalid") == "true"
    journey.check(mayor, "application form (submission refused)")

    # Documents, each uploaded with the keyboard.
    for kind in ("council_decision", "premises_plan"):
        mayor.locator(f"#file-{kind}").set_input_files(
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": small_pdf(kind)}
        )
        journey.keyboard_submit(
            mayor, mayor.locator(f"#doc-{kind} form[enctype] button[type=submit]"), start=mayor.locator(f"#file-{kind}")
        )
        assert mayor.locator(f"#doc-{kind} a[download]").inner_text() == f"{kind}.pdf"
    assert mayor.locator("#verdict .badge.bad").count() == 0, mayor.locator("#verdict").inner_text()
    assert mayor.locator("#verdict > p .badge.ok").count() == 1
    journey.check(mayor, "application form (complete, eligible)")

    journey.keyboard_submit(
        mayor,
        mayor.locator("button[formaction$='/submit']"),
        start=mayor.locator("#doc-cofinancing_letter form[enctype] button[type=submit]"),
    )
    assert mayor.locator("#answers-form").count() == 0, "the submitted application is still editable"
    assert mayor.locator("dl.facts .badge").first.inner_text().strip()
    journey.check(mayor, "application (submitted)")

    journey.step("An ineligible hromada's leader sees why")
    big = journey.person(outsider)
    big.goto(f"/rounds/{round_id}")
    journey.keyboard_submit(big, big.locator(f"form[action='/rounds/{round_id}/apply'] button"))
    assert big.locator("#verdict > p .badge.bad").count() == 1
    population = big.locator("#verdict li", has_text=number(too_big["population"]))
    assert population.locator(".badge.bad").count() == 1, big.locator("#verdict").inner_text()
    assert number(100_000) in population.inner_text()
    journey.check(big, "application form (ineligible hromada)")

    journey.step("Staff close the round and screen")
    office.goto(f"/rounds/{round_id}")
    journey.keyboard_submit(office, office.locator("form[action$='/status']:has(input[value=closed]) button"))
    with office.expect_navigation():
        office.locator(f"main a[href='/rounds/{round_id}/applications']").click()
    journey.check(office, "screening queue")
    with office.expect_navigation():
        office.locator(f"main a[href='/applications/{application_id}']").first.click()
    journey.check(office, "application (staff, screening form)")
    journey.keyboard_submit(
        office,
        office.locator(f"form[action='/applications/{application_id}/screening'] button[type=submit]"),
        [
            (office.locator("input[name=decision][value=computed]"), ""),
            (office.locator("#screening-reason"), say("Документи повні.", "Documents complete.")),
        ],
    )
    assert office.locator("#screening-heading ~ p .badge.ok").count() == 1

    with office.expect_navigation():
        office.locator(f"nav[aria-label=breadcrumb] a[href='/rounds/{round_id}']").click()
    journey.keyboard_submit(office, office.locator("form[action$='/status']:has(input[value=under_review]) button"))

    journey.step("Four experts are added, three assigned automatically")
    with office.expect_navigation():
        office.locator(f"main a[href='/rounds/{round_id}/review']").click()
    for email in experts:
        journey.keyboard_submit(
            office,
            office.locator("form[action$='/review/experts'] button[type=submit]"),
            [(office.locator("#expert_email"), email)],
        )
    journey.keyboard_submit(
        office,
        office.locator("form[action$='/review/assign'] button[type=submit]"),
        [(office.locator("#assign_per_application"), "3"), (office.locator("#assign_seed"), "7")],
    )
    journey.check(office, "review dashboard (assigned)")
    assigned = [name for name in expert_names if office.locator("#assignment tbody td", has_text=name).count() == 1]
    assert len(assigned) == 3, assigned
    free = next(name for name in expert_names if name not in assigned)

    journey.step("One expert declares a conflict and loses access; the fourth takes the place")
    conflicted = journey.person(experts[expert_names.index(assigned[0])])
    conflicted.goto("/reviews")
    journey.check(conflicted, "expert's queue")
    with conflicted.expect_navigation():
        conflicted.locator("main a[href^='/reviews/']").first.click()
    assignment_path = conflicted.url.removeprefix(journey.base_url)
    journey.check(conflicted, "scoring page")
    conflicted.locator("#conflict summary").click()
    journey.keyboard_submit(
        conflicted,
        conflicted.locator("#conflict button[type=submit]"),
        [
            (conflicted.locator("#conflict-type"), "family"),
            (conflicted.locator("#conflict-note"), say("Родич працює в раді.", "A relative works there.")),
        ],
    )
    assert conflicted.locator("#page-notice").is_visible()
    journey.check(conflicted, "expert's queue after a conflict")
    lost = conflicted.goto(assignment_path)
    assert lost.status == 404, f"the conflicted expert still reaches {assignment_path}: {lost.status}"
    journey.check(conflicted, "not found (conflicted expert)")

    office.reload()
    now_assigned = [name for name in expert_names if office.locator("#assignment tbody td", has_text=name).count() == 1]
    assert sorted(now_assigned) == sorted([*assigned[1:], free]), now_assigned

    journey.step("Three experts score; their totals diverge")
    for name, points in zip([*assigned[1:], free], SCORES, strict=True):
        expert = journey.person(experts[expert_names.index(name)])
        expert.goto("/reviews")
        queue = expert.locator("main a[href^='/reviews/']")
        assert queue.count() == 1, f"{name} should have one assignment: {expert.locator('main').inner_text()[:400]}"
        with expert.expect_navigation():
            queue.click()
        fields = []
        for criterion, value in zip(RUBRIC, points, strict=True):
            fields.append((expert.locator(f"#points-{criterion['key']}"), str(value)))
            fields.append((expert.locator(f"#comment-{criterion['key']}"), f"{criterion['key']}: {value}"))
        journey.keyboard_submit(expert, expert.locator("#review-form .actions button[type=submit]"), fields)
        expert.locator(".submit-review summary").click()
        journey.keyboard_submit(
            expert, expert.locator(".submit-review button[name=submit]"), start=expert.locator(".submit-review summary")
        )
        assert expert.locator("#review-form").count() == 0, "the review was not submitted"
        if name == free:
            journey.check(expert, "scoring page (submitted, others shown)")
            assert expert.locator(".other-review").count() == 2
        expert.context.close()
        journey.contexts.remove(expert.context)

    journey.step("Staff resolve the disagreement, rank, select, confirm")
    office.goto(f"/rounds/{round_id}/review#disagreements")
    flagged = office.locator(f"form[action='/applications/{application_id}/moderation-form']")
    assert flagged.count() == 1, "the application is not flagged"
    journey.check(office, "review dashboard (flagged)")
    journey.keyboard_submit(
        office,
        flagged.locator("button[type=submit]"),
        [
            (flagged.locator("input[name=score]"), "15"),
            (
                flagged.locator("textarea[name=justification]"),
                say("Зважено після обговорення.", "Weighed after discussion."),
            ),
        ],
    )
    with office.expect_navigation():
        office.locator(f".page-head a[href='/rounds/{round_id}/ranking']").click()
    journey.check(office, "ranking")
    first = office.locator("table.ranking tbody tr").first
    assert first.locator(f"a[href='/applications/{application_id}']").count() == 1
    assert number(15) in first.inner_text()

    with office.expect_navigation():
        office.locator(f".page-head a[href='/rounds/{round_id}/selection']").click()
    journey.check(office, "selection (form)")
    journey.keyboard_submit(
        office, office.locator("form.selection-form button[type=submit]"), [(office.locator("#quota"), "1")]
    )
    journey.check(office, "selection (preview)")
    assert office.locator(f"#confirm input[name=winners][value='{application_id}']").is_checked()
    journey.keyboard_submit(
        office,
        office.locator("#confirm button[type=submit]"),
        start=office.locator(f"#confirm input[name=winners][value='{application_id}']"),
    )
    assert office.locator("#published-title").count() == 1, "the selection was not published"
    journey.check(office, "selection (published)")

    journey.step("The leader sees the decision")
    mayor.goto("/applications/mine")
    with mayor.expect_navigation():
        mayor.locator(f"main a[href='/applications/{application_id}']").first.click()
    mayor.locator("#outcome .badge.ok").wait_for()
    assert number(15) in mayor.locator("#outcome").inner_text()
    journey.check(mayor, "application (decision)")

    journey.step("Staff run a lot through to acceptance")
    office.goto(f"/projects?round={round_id}")
    journey.check(office, "projects")
    with office.expect_navigation():
        office.locator("main a[href$='/manage']").first.click()
    project_id = _id_from(office.url, r"/projects/(\d+)/manage")
    journey.check(office, "project management (new)")
    today = datetime.now(KYIV).date().isoformat()
    journey.keyboard_submit(
        office,
        office.locator("#new-lot button[type=submit]"),
        [
            (office.locator("#new-lot-category"), "furniture"),
            (office.locator("#new-lot-method"), "programme"),
            (office.locator("#new-lot-currency"), "UAH"),
            (office.locator("#new-lot-title"), say("Меблі фронт-офісу", "Front office furniture")),
            (office.locator("#new-lot-row-0-description"), "Робоче місце адміністратора"),
            (office.locator("#new-lot-row-0-quantity"), "6"),
            (office.locator("#new-lot-row-0-estimate"), "240000"),
        ],
    )
    lot = office.locator("article.lot").first
    lot_id = _id_from(lot.get_attribute("id"), r"lot-(\d+)")

    def move(to: str) -> None:
        journey.keyboard_submit(
            office, office.locator(f"#lot-{lot_id} form[action$='/status']:has(input[value={to}]) button")
        )
        assert office.locator(f"#lot-{lot_id}-status-error").count() == 0, office.locator(f"#lot-{lot_id}").inner_text()

    move("tender")
    office.locator(f"#lot-{lot_id} details.lot-edit summary").click()
    journey.keyboard_submit(
        office,
        office.locator(f"#lot-{lot_id} details.lot-edit button[type=submit]"),
        [
            (office.locator(f"#lot-{lot_id}-supplier_name"), "ТОВ «Офісні меблі»"),
            (office.locator(f"#lot-{lot_id}-supplier_edrpou"), "14360570"),
            (office.locator(f"#lot-{lot_id}-contract_number"), f"E2E-{tag}"),
            (office.locator(f"#lot-{lot_id}-contract_date"), today),
            (office.locator(f"#lot-{lot_id}-contract_value"), "230000"),
            (office.locator(f"#lot-{lot_id}-contract_currency"), "UAH"),
            (office.locator(f"#lot-{lot_id}-exchange_rate"), "44.5"),
        ],
    )
    move("awarded")
    move("contracted")
    office.locator(f"#lot-{lot_id} details.lot-delivery summary").click()
    journey.keyboard_submit(
        office,
        office.locator(f"#lot-{lot_id} details.lot-delivery button[type=submit]"),
        [
            (office.locator(f"#delivery-{lot_id}-delivered_on"), today),
            (office.locator(f"#delivery-{lot_id}-quantity"), "6"),
        ],
    )
    move("delivered")
    move("accepted")
    assert office.locator(f"#lot-{lot_id} .badge.ok").count() >= 1
    journey.check(office, "project management (lot accepted)")

    journey.step("The leader reports the opening")
    mayor.goto(f"/projects/{project_id}")
    journey.check(mayor, "project page (leader)")
    mayor.locator("#opening-photo").set_input_files(
        {"name": "opening.png", "mimeType": "image/png", "buffer": small_png()}
    )
    journey.keyboard_submit(
        mayor,
        mayor.locator("#opening button[type=submit]"),
        [
            (mayor.locator("#opening-date"), today),
            (
                mayor.locator("#opening-note"),
                say("ЦНАП прийняв перших відвідувачів.", "The ASC served its first visitors."),
            ),
        ],
    )
    assert mayor.locator("#opening form").count() == 0, mayor.locator("#opening").inner_text()
    journey.check(mayor, "project page (opened)")

    journey.step("The dashboard shows it")
    with office.expect_navigation():
        office.locator("header nav a[href='/dashboard']").click()
    journey.keyboard_submit(
        office,
        office.locator("main form[action='/dashboard'] button[type=submit]"),
        [(office.locator("#round"), str(round_id))],
    )
    assert office.locator(".figure-opened .figure-number").inner_text().strip() == "1"
    journey.check(office, "dashboard")

    journey.step("end")
    spent = ", ".join(f"{k} {v:.1f}" for k, v in journey.seconds.items())
    for label, seconds in journey.steps[:-1]:
        print(f"  {seconds:5.1f} s  {label}")
    print(f"\n{lang} journey: {len(journey.checked)} pages checked in {time.monotonic() - started:.1f} s ({spent})")
    assert not journey.problems, journey.report()
