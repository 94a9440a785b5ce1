"""Deliveries through the API: only a contracted lot takes them."""

from tests.integration.procurement.conftest import make_lot, patch


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
