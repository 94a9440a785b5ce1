"""Lots through the API: every state in turn, with the data each step needs."""

from app.platform.tables import AuditEntry
from tests.integration.procurement.conftest import PDF, SUPPLIER, make_lot, patch


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
