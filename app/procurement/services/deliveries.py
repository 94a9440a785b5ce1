"""Deliveries of a contracted lot: who may record one, on which lots, with what date and quantity; reading a
lot's deliveries. Must not move the lot's state: acceptance is the lot's step (lots.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.accounts.services.users import CurrentUser
from app.platform import audit
from app.platform.db import for_update, write_transaction
from app.platform.errors import Conflict, InvalidInput, NotAllowed, NotFound
from app.platform.i18n import _
from app.procurement.services.inputs import is_whole, parse_date
from app.procurement.services.projects import OfProjects, get_project
from app.procurement.tables import Delivery, Lot

DELIVERABLE = ("contracted", "delivered")  # the lot states that take deliveries

DELIVERIES = OfProjects(Delivery.select, Delivery.lot, Delivery.delivered_on)  # of lots, by their ids


async def last_delivery_on(lot_id: int) -> date | None:
    deliveries = await Delivery.select(Delivery.delivered_on).where(Delivery.lot == lot_id)
    return max((d["delivered_on"] for d in deliveries), default=None)


async def has_deliveries(lot_id: int) -> bool:
    return await Delivery.exists().where(Delivery.lot == lot_id)


async def add_delivery(*, lot_id: int, data: dict[str, Any], user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    """Staff, or the hromada's leader, record a delivery (documents attach to it afterwards)."""
    async with write_transaction():
        lot = await for_update(Lot.select().where(Lot.id == lot_id), Lot).first()
        if lot is None:
            raise NotFound(_("There is no such lot."))
        await get_project(project_id=lot["project"], user=user)
        if not (user.is_staff or user.role == "applicant"):
            raise NotAllowed(_("Only programme staff and the hromada's leader record deliveries."))
        if lot["status"] == "cancelled":
            raise Conflict(_("The lot is cancelled: it takes no deliveries."))
        if lot["status"] not in DELIVERABLE:
            raise Conflict(
                _("Deliveries are recorded once the lot is contracted; it is %(status)s.", status=lot["status"])
            )
        delivered_on = parse_date(data.get("delivered_on"), "delivered_on")
        if delivered_on is None:
            raise InvalidInput(_("Give the delivery date."), extra={"field": "delivered_on"})
        quantity = data.get("quantity", 0)
        if not is_whole(quantity, 0):
            raise InvalidInput(_("The quantity must be a whole number, zero or more."), extra={"field": "quantity"})
        delivery = Delivery(
            lot=lot_id,
            delivered_on=delivered_on,
            quantity=quantity,
            note=str(data.get("note") or ""),
            accepted=bool(data.get("accepted", False)),
            recorded_by=user.id,
        )
        await delivery.save()
        await audit.record(
            actor=actor,
            action="delivery.add",
            object_type="lot",
            object_id=lot_id,
            after={"delivery": delivery.id, "delivered_on": delivered_on, "quantity": quantity},
        )
    return delivery.to_dict()
