import io

from openpyxl import load_workbook

from app.platform.tables import AuditEntry
from app.procurement.codes import edrpou_check_digit, valid_edrpou, valid_prozorro_id
from tests.integration.procurement.conftest import PDF, PNG

SUPPLIER = {"name": "ТОВ «Меблі Поділля»", "edrpou": "14360570"}


def test_edrpou_check_digits_of_real_codes():
    for code in ("00032129", "14360570", "00032106", "21560766"):
        assert valid_edrpou(code), code
    assert not valid_edrpou("14360571")
    assert not valid_edrpou("1436057")
    assert edrpou_check_digit("3099166") == 4


def test_prozorro_tender_ids_have_a_fixed_form():
    assert valid_prozorro_id("UA-2019-08-01-000123-a")
    for bad in ("UA-2019-8-01-000123-a", "UA-2019-02-30-000123-a", "ua-2019-08-01-000123-a", "UA-2019-08-01-123-a"):
        assert not valid_prozorro_id(bad), bad


async def test_confirming_the_selection_creates_a_project_per_winner_with_milestones(winners):
    assert sorted(p["application"] for p in winners.projects) == sorted(winners.ids[:2])
    project = (await winners.client.get(f"/api/v1/projects/{winners.projects[0]['id']}", headers=winners.staff)).json()
    assert [m["key"] for m in project["milestones"]] == [
        "terms_of_reference",
        "premises_repaired",
        "furniture_delivered",
        "equipment_installed",
        "software_connected",
        "staff_trained",
        "asc_opened",
    ]
    assert all(m["status"] == "scheduled" for m in project["milestones"])
    assert project["stage"] == "selected"


async def make_lot(winners, project_id, **overrides):
    body = {
        "category": "furniture",
        "method": "prozorro",
        "currency": "UAH",
        "title": "Меблі для ЦНАП",
        "items": [
            {"description": "Стіл адміністратора", "quantity": 6, "estimate_minor": 6_000_000},
            {"description": "Крісло", "quantity": 12, "estimate_minor": 2_000_000},
        ],
        **overrides,
    }
    response = await winners.client.post(f"/api/v1/projects/{project_id}/lots", json=body, headers=winners.staff)
    assert response.status_code == 201, response.text
    return response.json()


async def patch(winners, lot_id, body):
    return await winners.client.patch(f"/api/v1/lots/{lot_id}", json=body, headers=winners.staff)


async def test_a_lot_runs_through_every_state_and_meets_its_milestone(winners):
    client, staff = winners.client, winners.staff
    project_id = winners.projects[0]["id"]
    lot = await make_lot(winners, project_id)
    assert lot["estimate_minor"] == 8_000_000 and lot["allowed_next"] == ["tender", "cancelled"]
    jump = await patch(winners, lot["id"], {"status": "contracted"})
    assert jump.status_code == 409 and jump.json()["extra"]["allowed"] == ["tender", "cancelled"]
    no_tender_id = await patch(winners, lot["id"], {"status": "tender"})
    assert no_tender_id.status_code == 422
    bad_id = await patch(winners, lot["id"], {"prozorro_id": "UA-2019-8-1-123-a"})
    assert bad_id.status_code == 422 and "UA-YYYY-MM-DD-NNNNNN-x" in bad_id.json()["detail"]
    tender = await patch(winners, lot["id"], {"prozorro_id": "UA-2026-03-02-000123-a", "status": "tender"})
    assert tender.json()["status"] == "tender"
    bad_supplier = await patch(
        winners, lot["id"], {"supplier": {"name": "X", "edrpou": "14360571"}, "status": "awarded"}
    )
    assert bad_supplier.status_code == 422 and "check digit" in bad_supplier.json()["detail"]
    awarded = await patch(winners, lot["id"], {"supplier": SUPPLIER, "status": "awarded"})
    assert awarded.json()["supplier_edrpou"] == "14360570"
    contract = {
        "number": "17/2026",
        "date": "2026-04-01",
        "value_minor": 9_000_000,
        "currency": "UAH",
        "exchange_rate": "44.50",
    }
    over = await patch(winners, lot["id"], {"contract": contract, "status": "contracted"})
    assert over.status_code == 422 and "10%" in over.json()["detail"]
    confirmed = await patch(
        winners,
        lot["id"],
        {
            "contract": contract,
            "status": "contracted",
            "confirm_over_estimate": True,
            "over_estimate_reason": "Ціни на ДСП зросли",
        },
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "contracted"
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "lot.update") & (AuditEntry.object_id == str(lot["id"])))
        .order_by(AuditEntry.id, ascending=False)
        .output(load_json=True)
        .first()
    )
    assert entry["after"]["over_estimate_reason"] == "Ціни на ДСП зросли"
    early = await patch(winners, lot["id"], {"status": "delivered"})
    assert early.status_code == 422
    delivery = await client.post(
        f"/api/v1/lots/{lot['id']}/deliveries",
        json={"delivered_on": "2026-05-10", "quantity": 18, "accepted": True},
        headers=winners.leader[project_id],
    )
    assert delivery.status_code == 201
    act = await client.post(
        f"/api/v1/lots/{lot['id']}/documents",
        data={"kind": "acceptance_act"},
        files={"file": ("акт.pdf", PDF, "application/pdf")},
        headers=winners.leader[project_id],
    )
    assert act.status_code == 201
    assert (await patch(winners, lot["id"], {"status": "delivered"})).json()["status"] == "delivered"
    accepted = await patch(winners, lot["id"], {"status": "accepted"})
    assert accepted.json()["status"] == "accepted" and accepted.json()["accepted_on"] == "2026-05-10"
    project = (await client.get(f"/api/v1/projects/{project_id}", headers=staff)).json()
    furniture = next(m for m in project["milestones"] if m["key"] == "furniture_delivered")
    assert furniture["status"] == "met" and furniture["date_met"] == "2026-05-10"
    assert project["stage"] == "delivered"
    download = await client.get(f"/documents/{act.json()['id']}")
    assert download.status_code in (303, 401)  # pages need a session; the API route below is for tokens
    other_leader = next(h for pid, h in winners.leader.items() if pid != project_id)
    refused = await client.get(f"/api/v1/documents/{act.json()['id']}", headers=other_leader)
    assert refused.status_code == 403


async def test_a_delivery_on_a_cancelled_lot_is_409(winners):
    lot = await make_lot(winners, winners.projects[0]["id"])
    cancelled = await patch(winners, lot["id"], {"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["allowed_next"] == []
    delivery = await winners.client.post(
        f"/api/v1/lots/{lot['id']}/deliveries", json={"delivered_on": "2026-05-10"}, headers=winners.staff
    )
    assert delivery.status_code == 409
    again = await patch(winners, lot["id"], {"status": "tender"})
    assert again.status_code == 409


async def test_a_leader_touching_another_hromadas_project_gets_404(winners):
    mine, theirs = winners.projects[0]["id"], winners.projects[1]["id"]
    leader = winners.leader[mine]
    assert (await winners.client.get(f"/api/v1/projects/{theirs}", headers=leader)).status_code == 404
    opening = await winners.client.post(
        f"/api/v1/projects/{theirs}/opening", files={"opened_on": (None, "2026-06-01")}, headers=leader
    )
    assert opening.status_code == 404
    listed = (await winners.client.get("/api/v1/projects", headers=leader)).json()
    assert [p["id"] for p in listed] == [mine]
    lot = await make_lot(winners, theirs)
    assert (await winners.client.get(f"/api/v1/lots/{lot['id']}", headers=leader)).status_code == 404


async def test_totals_in_both_currencies_on_a_worked_example(winners):
    client, staff = winners.client, winners.staff
    project_id = winners.projects[0]["id"]
    await client.put("/api/v1/exchange-rates/2026-01-01", json={"uah_per_eur": "40"}, headers=staff)
    await client.put("/api/v1/exchange-rates/2026-03-01", json={"uah_per_eur": "41"}, headers=staff)
    # Lot 1: furniture, 8,000.00 UAH estimate; contracted at 8,200.00 UAH on 2026-02-01 (rate 40 that day).
    furniture = await make_lot(
        winners,
        project_id,
        method="programme",
        items=[{"description": "Меблі", "quantity": 1, "estimate_minor": 800_000}],
    )
    for body in (
        {"status": "tender"},
        {"supplier": SUPPLIER, "status": "awarded"},
        {
            "contract": {"number": "1", "date": "2026-02-01", "value_minor": 820_000, "currency": "UAH"},
            "status": "contracted",
        },
    ):
        assert (await patch(winners, furniture["id"], body)).status_code == 200
    await client.post(f"/api/v1/lots/{furniture['id']}/deliveries", json={"delivered_on": "2026-02-20"}, headers=staff)
    await patch(winners, furniture["id"], {"status": "delivered"})
    await patch(winners, furniture["id"], {"status": "accepted"})
    # Lot 2: IT equipment, 100.00 EUR estimate; contracted at 105.00 EUR with the contract's own rate 40.5.
    equipment = await make_lot(
        winners,
        project_id,
        category="it_equipment",
        method="programme",
        currency="EUR",
        items=[{"description": "Ноутбук", "quantity": 1, "estimate_minor": 10_000}],
    )
    for body in (
        {"status": "tender"},
        {"supplier": SUPPLIER, "status": "awarded"},
        {
            "contract": {
                "number": "2",
                "date": "2026-03-05",
                "value_minor": 10_500,
                "currency": "EUR",
                "exchange_rate": "40.5",
            },
            "status": "contracted",
        },
    ):
        assert (await patch(winners, equipment["id"], body)).status_code == 200
    totals = (await client.get(f"/api/v1/projects/{project_id}", headers=staff)).json()["totals"]
    # Planned at the latest rate (41): 800,000 + 10,000 * 41 = 1,210,000 kop.; EUR 800,000 / 41 = 19,512.195 → 19,512
    # plus 10,000 = 29,512 cents.
    assert totals["planned"] == {"UAH": 1_210_000, "EUR": 29_512}
    # Contracted at each contract's rate: 820,000 + 10,500 * 40.5 = 1,245,250 kop.; 820,000 / 40 = 20,500
    # plus 10,500 = 31,000 cents.
    assert totals["contracted"] == {"UAH": 1_245_250, "EUR": 31_000}
    # Accepted: only the furniture.
    assert totals["accepted"] == {"UAH": 820_000, "EUR": 20_500}
    dashboard = (await client.get("/api/v1/dashboard", params={"round": winners.world.round_id}, headers=staff)).json()
    assert dashboard["totals"]["contracted"] == {"UAH": 1_245_250, "EUR": 31_000}
    [vinnytsia] = dashboard["per_oblast"]
    assert vinnytsia["oblast_code"] == "UA05000000000010236" and vinnytsia["projects"] == 2
    await _narrow_reads_agree_with_the_full_ones(winners)


async def _narrow_reads_agree_with_the_full_ones(winners):
    """The dashboard and the list of projects read only the columns of lots and milestones that the money, the
    stage and the overdue flags need: the same totals, stages and milestones as the project page's full reads;
    and the dashboard's prepared selects narrow by round and programme."""
    from datetime import date

    from app.applications.tables import Round
    from app.procurement import services

    ids = [p["id"] for p in winners.projects]
    rate = await services.latest_rate()
    far = date(2099, 1, 1)  # every milestone not met is overdue
    full_lots, money_lots = await services.lots_of(ids), await services.lot_money_of(ids)
    full_milestones = await services.milestones_of(ids, today=far)
    states = await services.milestone_states_of(ids, today=far)
    assert sum(len(lots) for lots in money_lots.values()) == 2
    for project_id in ids:
        assert services.project_totals({project_id: money_lots[project_id]}, rate) == services.project_totals(
            {project_id: full_lots[project_id]}, rate
        )
        assert services.project_stage(money_lots[project_id], states[project_id]) == services.project_stage(
            full_lots[project_id], full_milestones[project_id]
        )
        narrowed = [
            {key: m[key] for key in state}
            for m, state in zip(full_milestones[project_id], states[project_id], strict=True)
        ]
        assert narrowed == states[project_id] and len(states[project_id]) == 7
    round_id = winners.world.round_id
    programme_id = (await Round.select(Round.programme).where(Round.id == round_id).first())["programme"]
    for filters, expected in (
        ({"programme_id": programme_id}, sorted(ids)),
        ({"round_id": round_id, "programme_id": programme_id}, sorted(ids)),
        ({"programme_id": programme_id + 1000}, []),
        ({"round_id": round_id + 1000}, []),
    ):
        data = await services.dashboard(**filters)
        assert [p["id"] for p in data["projects"]] == expected, filters


async def test_milestones_by_hand_overdue_with_a_fixed_clock_and_the_opening(winners):
    client, staff = winners.client, winners.staff
    project_id = winners.projects[0]["id"]
    project = (await client.get(f"/api/v1/projects/{project_id}", headers=staff)).json()
    due = {m["key"]: m["due_date"] for m in project["milestones"]}
    met = await client.put(
        f"/api/v1/projects/{project_id}/milestones/terms_of_reference",
        json={"status": "met", "date_met": "2026-01-15"},
        headers=staff,
    )
    assert met.status_code == 200
    no_date = await client.put(
        f"/api/v1/projects/{project_id}/milestones/staff_trained", json={"status": "met"}, headers=staff
    )
    assert no_date.status_code == 422
    bad_status = await client.put(
        f"/api/v1/projects/{project_id}/milestones/staff_trained", json={"status": "done"}, headers=staff
    )
    assert bad_status.status_code == 422
    trained = await client.put(
        f"/api/v1/projects/{project_id}/milestones/staff_trained",
        json={"status": "partiallyMet", "date_met": "2026-01-20", "value": 4},
        headers=staff,
    )
    assert next(m for m in trained.json() if m["key"] == "staff_trained")["value"] == 4
    leader_refused = await client.put(
        f"/api/v1/projects/{project_id}/milestones/premises_repaired",
        json={"status": "met", "date_met": "2026-01-20"},
        headers=winners.leader[project_id],
    )
    assert leader_refused.status_code == 403
    # The day after "premises repaired" was due: it, and only it of the remaining ones, is overdue.
    from datetime import date, timedelta

    day_after = (date.fromisoformat(due["premises_repaired"]) + timedelta(days=1)).isoformat()
    dashboard = (
        await client.get(
            "/api/v1/dashboard", params={"round": winners.world.round_id, "as_of": day_after}, headers=staff
        )
    ).json()
    overdue = {(o["project_id"], o["key"]) for o in dashboard["overdue"]}
    assert (project_id, "premises_repaired") in overdue
    assert (project_id, "terms_of_reference") not in overdue
    assert (project_id, "furniture_delivered") not in overdue
    opening = await client.post(
        f"/api/v1/projects/{project_id}/opening",
        data={"opened_on": "2026-02-01", "note": "Урочисте відкриття"},
        files={"photo": ("відкриття.png", PNG, "image/png")},
        headers=winners.leader[project_id],
    )
    assert opening.status_code == 200, opening.text
    assert opening.json()["opened_on"] == "2026-02-01" and opening.json()["stage"] == "opened"
    dashboard = (await client.get("/api/v1/dashboard", params={"round": winners.world.round_id}, headers=staff)).json()
    assert dashboard["stages"] == {"selected": 1, "contracted": 0, "delivered": 0, "opened": 1}
    assert dashboard["reached"]["contracted"] == 1


async def test_the_ocds_release_package_has_the_standards_required_fields(winners):
    client, staff = winners.client, winners.staff
    project_id = winners.projects[0]["id"]
    lot = await make_lot(winners, project_id, method="programme")
    await patch(winners, lot["id"], {"status": "tender"})
    await patch(winners, lot["id"], {"supplier": SUPPLIER, "status": "awarded"})
    await patch(
        winners,
        lot["id"],
        {
            "contract": {
                "number": "5",
                "date": "2026-04-01",
                "value_minor": 8_000_000,
                "currency": "UAH",
                "exchange_rate": "44",
            },
            "status": "contracted",
        },
    )
    package = (await client.get(f"/api/v1/projects/{project_id}/ocds.json", headers=staff)).json()
    for field in ("uri", "publishedDate", "releases", "publisher", "version"):
        assert field in package, field
    assert package["version"] == "1.1" and package["publisher"]["name"]
    release = package["releases"][0]
    for field in ("ocid", "id", "date", "tag", "initiationType"):
        assert release[field], field
    assert release["initiationType"] == "tender"
    assert set(release["tag"]) <= {"planning", "tender", "award", "contract", "implementation"}
    assert release["ocid"].startswith("ocds-")
    party_ids = {p["id"] for p in release["parties"]}
    assert release["buyer"]["id"] in party_ids
    assert release["awards"][0]["suppliers"][0]["id"] in party_ids
    assert release["contracts"][0]["awardID"] == release["awards"][0]["id"]
    assert release["contracts"][0]["value"] == {"amount": 80000.0, "currency": "UAH"}
    statuses = {m["status"] for m in release["planning"]["milestones"]}
    assert statuses <= {"scheduled", "met", "notMet", "partiallyMet"}


async def test_staff_export_projects_lots_and_milestones_as_xlsx(winners):
    lot = await make_lot(winners, winners.projects[0]["id"])
    response = await winners.client.get(
        "/api/v1/projects.xlsx", params={"round": winners.world.round_id}, headers=winners.staff
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Projects", "Lots", "Milestones"]
    assert workbook["Projects"].max_row == 3
    assert workbook["Lots"].cell(row=2, column=1).value == lot["id"]
    assert workbook["Milestones"].max_row == 1 + 2 * 7
    refused = await winners.client.get("/api/v1/projects.xlsx", headers=winners.leader[winners.projects[0]["id"]])
    assert refused.status_code == 403


async def test_staff_keep_a_catalogue_and_compose_a_package(winners):
    client, staff = winners.client, winners.staff
    item = await client.post(
        "/api/v1/catalogue",
        json={
            "name_uk": "Електронна черга",
            "name_en": "Queue system",
            "category": "queue_system",
            "unit_price_minor": 12_000_000,
        },
        headers=staff,
    )
    assert item.status_code == 201
    bad = await client.post(
        "/api/v1/catalogue", json={"name_uk": "Х", "category": "food", "unit_price_minor": 1}, headers=staff
    )
    assert bad.status_code == 422
    project_id = winners.projects[0]["id"]
    package = await client.put(
        f"/api/v1/projects/{project_id}/package",
        json={"items": [{"item_id": item.json()["id"], "quantity": 1}]},
        headers=staff,
    )
    assert package.status_code == 200 and package.json()[0]["name_en"] == "Queue system"
