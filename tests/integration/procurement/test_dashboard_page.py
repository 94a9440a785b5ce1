"""The staff pages of procurement through HTTP with session cookies and CSRF tokens (the round and its winners
set up through the API, the `winners` fixture). Here:
the dashboard, its charts, the exchange rate and the round's tolerance."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from tests.integration.procurement.staff_forms import (
    field_error,
    new_lot,
    plain,
    post_form,
    staff_session,
)


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
