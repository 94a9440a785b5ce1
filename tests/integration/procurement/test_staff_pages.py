"""The staff pages of procurement (dashboard, projects, management of a project, catalogue), through HTTP with
session cookies and CSRF tokens. The round and its winners are set up through the API (the `winners` fixture)."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from app.platform.tables import AuditEntry
from tests.conftest import PASSWORD, csrf_token, login

SUPPLIER = {"name": "ТОВ «Меблі Поділля»", "edrpou": "14360570"}


def plain(page: str) -> str:
    """The page's text with tags removed and non-breaking spaces made ordinary."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text)


def field_error(page: str, error_id: str) -> str:
    match = re.search(rf'<small id="{re.escape(error_id)}"[^>]*>(.*?)</small>', page, flags=re.S)
    assert match, f"no error {error_id} on the page"
    return plain(match.group(1)).strip()


def section_error(page: str, error_id: str) -> str:
    match = re.search(rf'<p id="{re.escape(error_id)}"[^>]*>(.*?)</p>', page, flags=re.S)
    assert match, f"no error {error_id} on the page"
    return plain(match.group(1)).strip()


async def staff_session(http, users) -> None:
    await login(http, users["staff"]["email"])
    await http.get("/language/en")  # the pages in English, so the assertions read the English messages


async def post_form(http, path: str, data: dict[str, str], form_page: str):
    token = await csrf_token(http, form_page)
    return await http.post(path, data={**data, "_csrf_token": token})


def lot_form(**changes: str) -> dict[str, str]:
    form = {
        "category": "furniture",
        "method": "programme",
        "currency": "UAH",
        "title": "Меблі для ЦНАП",
        "row-0-description": "Стіл адміністратора",
        "row-0-quantity": "6",
        "row-0-estimate": "60000",
        "row-1-description": "Крісло",
        "row-1-quantity": "12",
        "row-1-estimate": "20000.00",
    }
    form.update(changes)
    return form


def edit_form(**changes: str) -> dict[str, str]:
    form = {
        "prozorro_id": "",
        "supplier_name": "",
        "supplier_edrpou": "",
        "contract_number": "",
        "contract_date": "",
        "contract_value": "",
        "contract_currency": "UAH",
        "exchange_rate": "",
    }
    form.update(changes)
    return form


async def new_lot(http, project_id: int, **changes: str) -> int:
    manage = f"/projects/{project_id}/manage"
    created = await post_form(http, f"/projects/{project_id}/lots", lot_form(**changes), manage)
    assert created.status_code == 303, plain(created.text)
    return int(re.search(r"#lot-(\d+)$", created.headers["location"]).group(1))


async def move(http, project_id: int, lot_id: int, status: str):
    return await post_form(http, f"/lots/{lot_id}/status", {"status": status}, f"/projects/{project_id}/manage")


async def edit(http, project_id: int, lot_id: int, **changes: str):
    return await post_form(http, f"/lots/{lot_id}/edit", edit_form(**changes), f"/projects/{project_id}/manage")


async def api_lot(winners, lot_id: int) -> dict:
    response = await winners.client.get(f"/api/v1/lots/{lot_id}", headers=winners.staff)
    assert response.status_code == 200, response.text
    return response.json()


async def test_staff_see_the_dashboard_figures_and_svg_charts_for_the_round(winners, users):
    http, round_id = winners.client, winners.world.round_id
    await staff_session(http, users)
    project_id = winners.projects[0]["id"]
    lot_id = await new_lot(http, project_id)
    page = await http.get("/dashboard", params={"round": round_id})
    assert page.status_code == 200, plain(page.text)
    text = plain(page.text)
    assert "Winners at each stage" in text
    figures = re.findall(r'<strong class="figure-number">(\d+)</strong>', page.text)
    assert figures == ["2", "0", "0", "0"]  # selected, contracted, delivered, opened
    charts = re.findall(r"<svg [^>]*>", page.text)
    assert len(charts) == 2 and all('role="img"' in svg and "viewBox" in svg for svg in charts)
    assert '<title id="chart-stages-title">Winners at each stage</title>' in page.text
    assert "Money per oblast: planned, contracted and accepted, UAH" in page.text
    assert "style=" not in page.text
    # The table is the text alternative of the money chart: the lot's 80,000.00 UAH planned in Vinnytsia oblast.
    money = re.search(r'<table class="stacked money">.*?</table>', page.text, flags=re.S).group(0)
    assert "Vinnytsia" in plain(money) and "80,000.00" in plain(money)
    assert f'href="/projects.xlsx?round={round_id}"' in page.text

    in_euro = await http.get("/dashboard", params={"round": round_id, "currency": "EUR"})
    assert "Money per oblast: planned, contracted and accepted, EUR" in in_euro.text
    assert "There is no exchange rate yet" in plain(in_euro.text)

    export = await http.get("/projects.xlsx", params={"round": round_id})
    assert export.status_code == 200
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["Projects", "Lots", "Milestones"]
    assert workbook["Lots"].cell(row=2, column=1).value == lot_id

    # Overdue milestones with a fixed clock: the day after "terms of reference" was due.
    project = (await http.get(f"/api/v1/projects/{project_id}", headers=winners.staff)).json()
    due = {m["key"]: m["due_date"] for m in project["milestones"]}
    day_after = (date.fromisoformat(due["terms_of_reference"]) + timedelta(days=1)).isoformat()
    later = await http.get("/dashboard", params={"round": round_id, "as_of": day_after})
    overdue = re.search(r'<table class="stacked overdue">.*?</table>', later.text, flags=re.S).group(0)
    assert f'href="/projects/{project_id}"' in overdue
    assert "Terms of reference" in plain(overdue) or "Технічне завдання" in plain(overdue)
    assert re.search(r'<span class="badge bad">1</span>', overdue)


async def test_staff_set_the_exchange_rate_and_the_rounds_tolerance_on_the_dashboard(winners, users):
    http, round_id = winners.client, winners.world.round_id
    await staff_session(http, users)
    dashboard = f"/dashboard?round={round_id}"
    bad = await post_form(
        http, "/exchange-rates", {"on_date": "2026-03-01", "uah_per_eur": "много", "round": str(round_id)}, dashboard
    )
    assert bad.status_code == 422
    assert "hryvnias per euro" in field_error(bad.text, "rate-uah_per_eur-error")
    saved = await post_form(
        http, "/exchange-rates", {"on_date": "2026-03-01", "uah_per_eur": "44,5", "round": str(round_id)}, dashboard
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith(f"/dashboard?round={round_id}")
    assert "44.5 UAH per EUR" in plain((await http.get(dashboard)).text)

    too_much = await post_form(
        http, f"/rounds/{round_id}/procurement-tolerance", {"tolerance_percent": "150"}, dashboard
    )
    assert too_much.status_code == 422
    assert "from 0 to 100" in field_error(too_much.text, "tolerance-tolerance_percent-error")
    tolerance = await post_form(
        http, f"/rounds/{round_id}/procurement-tolerance", {"tolerance_percent": "20"}, dashboard
    )
    assert tolerance.status_code == 303
    assert 'name="tolerance_percent"' in (page := (await http.get(dashboard)).text) and 'value="20"' in page


async def test_staff_drive_a_lot_through_every_state_with_the_forms(winners, users):
    http = winners.client
    await staff_session(http, users)
    project_id = winners.projects[0]["id"]
    lot_id = await new_lot(http, project_id)
    lot = await api_lot(winners, lot_id)
    assert lot["estimate_minor"] == 8_000_000 and lot["status"] == "planning"
    manage = await http.get(f"/projects/{project_id}/manage")
    assert f'id="lot-{lot_id}"' in manage.text and "Меблі для ЦНАП" in manage.text

    jump = await move(http, project_id, lot_id, "contracted")
    assert jump.status_code == 409
    message = section_error(jump.text, f"lot-{lot_id}-status-error")
    assert "cannot become contracted" in message and "Allowed next: tender, cancelled" in message

    assert (await move(http, project_id, lot_id, "tender")).status_code == 303
    bad_supplier = await edit(http, project_id, lot_id, supplier_name=SUPPLIER["name"], supplier_edrpou="14360571")
    assert bad_supplier.status_code == 422
    assert "check digit" in field_error(bad_supplier.text, f"lot-{lot_id}-supplier_edrpou-error")
    assert re.search(
        rf'id="lot-{lot_id}-supplier_edrpou"[^>]*aria-invalid="true"[^>]*aria-describedby="lot-{lot_id}-supplier_edrpou-error"',
        bad_supplier.text,
    )
    assert 'value="14360571"' in bad_supplier.text  # what was typed is kept
    awarded = await edit(http, project_id, lot_id, supplier_name=SUPPLIER["name"], supplier_edrpou="14360570")
    assert awarded.status_code == 303
    assert (await move(http, project_id, lot_id, "awarded")).status_code == 303

    contract = {
        "supplier_name": SUPPLIER["name"],
        "supplier_edrpou": SUPPLIER["edrpou"],
        "contract_number": "17/2026",
        "contract_date": "2026-04-01",
        "contract_value": "90000",
        "exchange_rate": "44.50",
    }
    over = await edit(http, project_id, lot_id, **contract)
    assert over.status_code == 422
    assert "tolerance" in field_error(over.text, f"lot-{lot_id}-contract_value-error")
    assert f'id="lot-{lot_id}-confirm_over_estimate"' in over.text  # the confirmation appears with the error
    no_reason = await edit(http, project_id, lot_id, **contract, over_estimate="yes", confirm_over_estimate="yes")
    assert no_reason.status_code == 422
    assert "reason" in field_error(no_reason.text, f"lot-{lot_id}-over_estimate_reason-error")
    confirmed = await edit(
        http,
        project_id,
        lot_id,
        **contract,
        over_estimate="yes",
        confirm_over_estimate="yes",
        over_estimate_reason="Ціни на ДСП зросли",
    )
    assert confirmed.status_code == 303, plain(confirmed.text)
    lot = await api_lot(winners, lot_id)
    assert lot["contract_value_minor"] == 9_000_000 and lot["supplier_edrpou"] == "14360570"
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "lot.update") & (AuditEntry.object_id == str(lot_id)))
        .order_by(AuditEntry.id, ascending=False)
        .output(load_json=True)
        .first()
    )
    assert entry["after"]["over_estimate_reason"] == "Ціни на ДСП зросли"

    early = await move(http, project_id, lot_id, "delivered")
    assert early.status_code == 409  # still awarded: contracted comes first
    assert (await move(http, project_id, lot_id, "contracted")).status_code == 303
    no_delivery = await move(http, project_id, lot_id, "delivered")
    assert no_delivery.status_code == 422
    assert "delivery" in section_error(no_delivery.text, f"lot-{lot_id}-status-error")

    manage_page = f"/projects/{project_id}/manage"
    bad_date = await post_form(http, f"/lots/{lot_id}/deliveries", {"delivered_on": "10.05.2026"}, manage_page)
    assert bad_date.status_code == 422
    assert "2027-03-31" in field_error(bad_date.text, f"delivery-{lot_id}-delivered_on-error")
    delivered = await post_form(
        http,
        f"/lots/{lot_id}/deliveries",
        {"delivered_on": "2026-05-10", "quantity": "18", "note": "Усе на місці"},
        manage_page,
    )
    assert delivered.status_code == 303
    assert (await move(http, project_id, lot_id, "delivered")).status_code == 303
    assert (await move(http, project_id, lot_id, "accepted")).status_code == 303
    lot = await api_lot(winners, lot_id)
    assert lot["status"] == "accepted" and lot["accepted_on"] == "2026-05-10"
    page = await http.get(manage_page)
    assert "This lot is finished" in plain(page.text) and "Усе на місці" in page.text
    project = (await http.get(f"/api/v1/projects/{project_id}", headers=winners.staff)).json()
    furniture = next(m for m in project["milestones"] if m["key"] == "furniture_delivered")
    assert furniture["status"] == "met" and furniture["date_met"] == "2026-05-10"
    assert project["stage"] == "delivered"
    dashboard = await http.get("/dashboard", params={"round": winners.world.round_id})
    assert re.findall(r'<strong class="figure-number">(\d+)</strong>', dashboard.text) == ["2", "1", "1", "0"]


async def test_a_bad_new_lot_keeps_the_typed_rows_and_names_the_field(winners, users):
    http = winners.client
    await staff_session(http, users)
    project_id = winners.projects[0]["id"]
    manage = f"/projects/{project_id}/manage"
    no_category = await post_form(http, f"/projects/{project_id}/lots", lot_form(category=""), manage)
    assert no_category.status_code == 422
    assert "category" in field_error(no_category.text, "new-lot-category-error")
    assert 'value="Стіл адміністратора"' in no_category.text
    bad_amount = await post_form(http, f"/projects/{project_id}/lots", lot_form(**{"row-1-estimate": "20k"}), manage)
    assert bad_amount.status_code == 422
    assert "150000.50" in field_error(bad_amount.text, "new-lot-row-1-estimate-error")
    empty = await post_form(
        http,
        f"/projects/{project_id}/lots",
        lot_form(**{f"row-{i}-{k}": "" for i in (0, 1) for k in ("description", "quantity", "estimate")}),
        manage,
    )
    assert empty.status_code == 422
    assert "at least one item" in section_error(empty.text, "new-lot-items-error")


async def test_staff_update_milestones_with_the_form(winners, users):
    http = winners.client
    await staff_session(http, users)
    project_id = winners.projects[0]["id"]
    manage = f"/projects/{project_id}/manage"
    no_date = await post_form(http, f"/projects/{project_id}/milestones/staff_trained", {"status": "met"}, manage)
    assert no_date.status_code == 422
    assert "date the milestone was met" in field_error(no_date.text, "milestone-staff_trained-date_met-error")
    trained = await post_form(
        http,
        f"/projects/{project_id}/milestones/staff_trained",
        {"status": "partiallyMet", "date_met": "2026-01-20", "value": "4", "note": "Двоє ще навчаються"},
        manage,
    )
    assert trained.status_code == 303
    assert trained.headers["location"].endswith("#milestone-staff_trained")
    project = (await http.get(f"/api/v1/projects/{project_id}", headers=winners.staff)).json()
    milestone = next(m for m in project["milestones"] if m["key"] == "staff_trained")
    assert milestone["status"] == "partiallyMet" and milestone["date_met"] == "2026-01-20" and milestone["value"] == 4
    page = plain((await http.get(manage)).text)
    assert "partially met" in page and "Двоє ще навчаються" in page
    unknown = await post_form(http, f"/projects/{project_id}/milestones/nothing", {"status": "met"}, manage)
    assert unknown.status_code == 422  # the status is checked before the milestone is looked up


async def test_staff_filter_the_list_of_projects(winners, users):
    http, round_id = winners.client, winners.world.round_id
    await staff_session(http, users)
    first, second = winners.projects
    listed = await http.get("/projects", params={"round": round_id})
    assert listed.status_code == 200
    for project in (first, second):
        assert f'href="/projects/{project["id"]}"' in listed.text
        assert f'href="/projects/{project["id"]}/manage"' in listed.text
    assert "Shown: 2 of 2" in plain(listed.text)
    by_name = await http.get("/projects", params={"round": round_id, "q": first["hromada_name"][:6].lower()})
    assert f'href="/projects/{first["id"]}"' in by_name.text
    by_code = await http.get("/projects", params={"q": second["hromada_code"]})
    assert f'href="/projects/{second["id"]}"' in by_code.text and f'href="/projects/{first["id"]}"' not in by_code.text
    contracted = await http.get("/projects", params={"round": round_id, "stage": "contracted"})
    assert "Shown: 0 of 2" in plain(contracted.text)
    by_oblast = await http.get("/projects", params={"oblast": first["oblast_code"], "sort": "-hromada"})
    assert "Shown: 2 of 2" in plain(by_oblast.text)
    names = [p["hromada_name"] for p in winners.projects]
    shown = re.findall(r'<a href="/projects/\d+">([^<]+)</a>', by_oblast.text)
    assert shown == sorted(names, reverse=True)
    bogus = await http.get("/projects", params={"round": "", "stage": "nonsense", "sort": "x"})
    assert bogus.status_code == 200 and "Shown: 2 of 2" in plain(bogus.text)


async def test_staff_keep_the_catalogue_and_compose_the_package_with_forms(winners, users):
    http = winners.client
    await staff_session(http, users)
    bad = await post_form(
        http,
        "/catalogue",
        {"name_uk": "Електронна черга", "category": "queue_system", "unit_price": "сто", "currency": "UAH"},
        "/catalogue",
    )
    assert bad.status_code == 422
    assert "150000.50" in field_error(bad.text, "item-unit_price-error")
    added = await post_form(
        http,
        "/catalogue",
        {
            "name_uk": "Електронна черга",
            "name_en": "Queue system",
            "category": "queue_system",
            "unit": "компл.",
            "unit_price": "120000",
            "currency": "UAH",
        },
        "/catalogue",
    )
    assert added.status_code == 303
    catalogue = await http.get("/catalogue")
    assert "Queue system" in catalogue.text and "120,000.00" in plain(catalogue.text)
    item_id = (await http.get("/api/v1/catalogue", headers=winners.staff)).json()[0]["id"]

    project_id = winners.projects[0]["id"]
    manage = f"/projects/{project_id}/manage"
    negative = await post_form(http, f"/projects/{project_id}/package", {f"qty-{item_id}": "-1"}, manage)
    assert negative.status_code == 422
    assert "at least 0" in field_error(negative.text, f"package-qty-{item_id}-error")
    saved = await post_form(http, f"/projects/{project_id}/package", {f"qty-{item_id}": "2"}, manage)
    assert saved.status_code == 303
    project = (await http.get(f"/api/v1/projects/{project_id}", headers=winners.staff)).json()
    assert [(p["item"], p["quantity"]) for p in project["package"]] == [(item_id, 2)]

    # A lot from the catalogue: no estimate typed, so the catalogue price times the quantity.
    lot_id = await new_lot(
        http,
        project_id,
        category="queue_system",
        **{"row-0-item": str(item_id), "row-0-description": "", "row-0-quantity": "2", "row-0-estimate": ""},
        **{"row-1-description": "", "row-1-quantity": "", "row-1-estimate": ""},
    )
    lot = await api_lot(winners, lot_id)
    assert lot["estimate_minor"] == 24_000_000 and lot["items"][0]["description"] == "Електронна черга"


async def test_a_leader_sees_only_their_project_and_none_of_the_staff_pages(winners, users):
    http = winners.client
    mine, theirs = winners.projects
    email = next(a["leader_email"] for a in winners.world.applications if a["id"] == mine["application"])
    await login(http, email, PASSWORD)
    assert (await http.get("/dashboard")).status_code == 403
    assert (await http.get(f"/projects/{mine['id']}/manage")).status_code == 403
    assert (await http.get("/catalogue")).status_code == 403
    assert (await http.get("/projects.xlsx")).status_code == 403
    listed = await http.get("/projects")
    assert listed.status_code == 200
    assert f'href="/projects/{mine["id"]}"' in listed.text
    assert f'href="/projects/{theirs["id"]}"' not in listed.text
    assert "/manage" not in listed.text
    assert '<a href="/projects">' in listed.text and '<a href="/dashboard">' not in listed.text


async def test_staff_pages_need_a_session(client):
    for path in ("/dashboard", "/projects", "/catalogue", "/projects/1/manage"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path


def test_charts_scale_bars_to_a_round_maximum_and_escape_every_text():
    from app.procurement import charts

    svg = charts.bar_chart(
        chart_id="c",
        title='Money <"quoted"> & more',
        description="The table says the same.",
        groups=[charts.Group("<script>alert(1)</script>", [300.0, 150.0, None])],
        series=[charts.Series(k, k.title()) for k in ("planned", "contracted", "accepted")],
        axis_label="Amount, UAH",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert '<title id="c-title">Money &lt;&#34;quoted&#34;&gt; &amp; more</title>' in svg
    assert 'role="img"' in svg and 'width="100%"' in svg and "style=" not in svg
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="13"', svg)]
    # Three swatches in the legend (12 wide), then the two known bars: 300 of a round maximum of 300, and half of it.
    bars = [w for w in widths if w != 12]
    assert bars[0] == charts.WIDTH - 2 * charts.PAD - charts.VALUE_ROOM and bars[1] == bars[0] / 2
    assert "—" in svg  # the unknown amount is a dash, not a bar
    assert charts.nice_maximum(302_400) == 400_000 and charts.ticks(400_000) == [0, 100_000, 200_000, 300_000, 400_000]
