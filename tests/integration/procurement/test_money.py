"""Money through the API: totals in both currencies, and the narrow reads of lots and milestones agreeing with
the full ones."""

from datetime import date

from app.applications.tables import Round
from app.procurement.services import dashboard as dashboards
from app.procurement.services.lots import lot_money_of, lots_of
from app.procurement.services.milestones import milestone_states_of, milestones_of
from app.procurement.services.money import latest_rate, project_totals
from app.procurement.services.overview import project_stage
from tests.integration.procurement.conftest import SUPPLIER, make_lot, patch


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
    ids = [p["id"] for p in winners.projects]
    rate = await latest_rate()
    far = date(2099, 1, 1)  # every milestone not met is overdue
    full_lots, money_lots = await lots_of(ids), await lot_money_of(ids)
    full_milestones = await milestones_of(ids, today=far)
    states = await milestone_states_of(ids, today=far)
    assert sum(len(lots) for lots in money_lots.values()) == 2
    for project_id in ids:
        assert project_totals({project_id: money_lots[project_id]}, rate) == project_totals(
            {project_id: full_lots[project_id]}, rate
        )
        assert project_stage(money_lots[project_id], states[project_id]) == project_stage(
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
        data = await dashboards.dashboard(**filters)
        assert [p["id"] for p in data["projects"]] == expected, filters
