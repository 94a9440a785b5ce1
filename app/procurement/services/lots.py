"""Procurement lots: creating one with its items, reading them (in full, or only their money), and moving one
along planning → tender → awarded → contracted → delivered → accepted (or cancelled), each step with its data.
Must not decide a contract's values or a delivery's: contracts.py and deliveries.py do."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from app.accounts.services.users import CurrentUser
from app.platform import audit
from app.platform.db import for_update, write_transaction
from app.platform.errors import Conflict, InvalidInput, NotAllowed, NotFound
from app.platform.i18n import _
from app.procurement.codes import valid_prozorro_id
from app.procurement.services.contracts import contract_values, supplier_id, tolerance_of
from app.procurement.services.deliveries import DELIVERIES, has_deliveries, last_delivery_on
from app.procurement.services.inputs import (
    check_quantity,
    kyiv_today,
    now_utc,
    parse_amount,
    parse_category,
    parse_currency,
    parse_date,
)
from app.procurement.services.milestones import sync_delivery_milestones
from app.procurement.services.projects import OfProjects, get_project
from app.procurement.tables import METHODS, CatalogueItem, Lot, LotItem

LOT_FLOW = ("planning", "tender", "awarded", "contracted", "delivered", "accepted")

_LOTS = OfProjects(
    lambda: Lot.select(
        Lot.all_columns(),
        Lot.supplier.name.as_alias("supplier_name"),
        Lot.supplier.edrpou.as_alias("supplier_edrpou"),
    ),
    Lot.project,
    Lot.id,
)
_LOT_ITEMS = OfProjects(LotItem.select, LotItem.lot, LotItem.id)  # of lots, by their ids
# What a project's money and stage need of its lots (``lot_amounts``, ``project_stage``): the dashboard and the
# list of projects read these columns only, not the lots' texts, dates, items and deliveries.
_LOT_MONEY = OfProjects(
    lambda: Lot.select(
        Lot.project,
        Lot.status,
        Lot.estimate_minor,
        Lot.currency,
        Lot.contract_value_minor,
        Lot.contract_currency,
        Lot.exchange_rate,
    ),
    Lot.project,
    Lot.id,
)


def allowed_next(status: str) -> list[str]:
    if status in ("accepted", "cancelled"):
        return []
    return [LOT_FLOW[LOT_FLOW.index(status) + 1], "cancelled"]


async def lot_money_of(project_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The lots of each project with only the columns of their money and status (see ``_LOT_MONEY``)."""
    return await _LOT_MONEY.by_project(project_ids)


async def lots_of(project_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The lots of each project in full: with their items, deliveries and the states they may move to."""
    result = await _LOTS.by_project(project_ids)
    lots = [lot for rows in result.values() for lot in rows]
    one = len(project_ids) == 1
    items: dict[int, list] = defaultdict(list)
    deliveries: dict[int, list] = defaultdict(list)
    if lots:
        lot_ids = [lot["id"] for lot in lots]
        for row in await _LOT_ITEMS.rows(lot_ids, one_project=one):
            items[row["lot"]].append(row)
        for row in await DELIVERIES.rows(lot_ids, one_project=one):
            deliveries[row["lot"]].append(row)
    for lot in lots:
        lot["items"] = items[lot["id"]]
        lot["deliveries"] = deliveries[lot["id"]]
        lot["allowed_next"] = allowed_next(lot["status"])
    return result


async def get_lot(*, lot_id: int, user: CurrentUser) -> dict[str, Any]:
    row = await Lot.select(Lot.project).where(Lot.id == lot_id).first()
    if row is None:
        raise NotFound(_("There is no such lot."))
    await get_project(project_id=row["project"], user=user)
    lots = await lots_of([row["project"]])
    return next(lot for lot in lots[row["project"]] if lot["id"] == lot_id)


async def _lot_item(index: int, entry: Any) -> dict[str, Any]:
    """The ``index``-th item of a new lot: a catalogue item or a description, a quantity and an estimate."""
    if not isinstance(entry, dict):
        raise InvalidInput(_("items[%(i)s] must be an object.", i=index), extra={"field": "items"})
    item_id = entry.get("item_id")
    description = str(entry.get("description") or "").strip()
    if item_id is not None:
        item = await CatalogueItem.select().where(CatalogueItem.id == item_id).first()
        if item is None:
            raise InvalidInput(
                _("items[%(i)s]: there is no catalogue item %(id)s.", i=index, id=item_id), extra={"field": "items"}
            )
        description = description or item["name_uk"]
    if not description:
        raise InvalidInput(
            _("items[%(i)s] needs a catalogue item or a description.", i=index), extra={"field": "items"}
        )
    return {
        "item": item_id,
        "description": description[:300],
        "quantity": check_quantity(entry.get("quantity", 1), index),
        "estimate_minor": parse_amount(entry.get("estimate_minor", 0), f"items[{index}].estimate_minor"),
    }


async def create_lot(*, project_id: int, data: dict[str, Any], user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff manage procurement lots."))
    await get_project(project_id=project_id, user=user)
    category = parse_category(data.get("category"))
    method = data.get("method", "programme")
    if method not in METHODS:
        raise InvalidInput(
            _(
                "The method must be 'programme' (bought by the programme) or 'prozorro' (bought by "
                "the hromada through Prozorro)."
            ),
            extra={"field": "method"},
        )
    currency = parse_currency(data.get("currency", "UAH"))
    items = data.get("items") or []
    if not isinstance(items, list) or not items:
        raise InvalidInput(
            _("A lot needs at least one item with a quantity and an estimate."), extra={"field": "items"}
        )
    rows = [await _lot_item(index, entry) for index, entry in enumerate(items)]
    estimate = sum(r["estimate_minor"] for r in rows)
    lot = Lot(
        project=project_id,
        title=str(data.get("title") or "")[:300],
        category=category,
        method=method,
        currency=currency,
        estimate_minor=estimate,
    )
    async with write_transaction():
        await lot.save()
        await LotItem.insert(*[LotItem(lot=lot.id, **row) for row in rows])
        await audit.record(
            actor=actor,
            action="lot.create",
            object_type="lot",
            object_id=lot.id,
            after={
                "project": project_id,
                "category": category,
                "method": method,
                "estimate_minor": estimate,
                "currency": currency,
                "items": rows,
            },
        )
    return await get_lot(lot_id=lot.id, user=user)


async def update_lot(*, lot_id: int, changes: dict[str, Any], user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    """Change a lot's data and/or move it one step: planning → tender → awarded → contracted → delivered →
    accepted, or cancelled; each step needs its data (tender id, supplier, contract, deliveries)."""
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff manage procurement lots."))
    async with write_transaction():
        lot = await for_update(Lot.select().where(Lot.id == lot_id), Lot).first()
        if lot is None:
            raise NotFound(_("There is no such lot."))
        project = await get_project(project_id=lot["project"], user=user)
        values: dict[str, Any] = {}
        if "title" in changes:
            values["title"] = str(changes["title"] or "")[:300]
        if "prozorro_id" in changes:
            tender_id = str(changes["prozorro_id"] or "").strip()
            if tender_id and not valid_prozorro_id(tender_id):
                raise InvalidInput(
                    _("A Prozorro tender id has the form UA-YYYY-MM-DD-NNNNNN-x, e.g. UA-2019-08-01-000123-a."),
                    extra={"field": "prozorro_id"},
                )
            values["prozorro_id"] = tender_id
        if "supplier" in changes and changes["supplier"] is not None:
            values["supplier"] = await supplier_id(changes["supplier"])
        if "contract" in changes and changes["contract"] is not None:
            values.update(await contract_values(changes["contract"], lot, changes, await tolerance_of(project)))
        target = changes.get("status")
        if target is not None and target != lot["status"]:
            values.update(await _step(lot, {**lot, **values}, target, changes))
        if not values:
            return await get_lot(lot_id=lot_id, user=user)
        values["updated_at"] = now_utc()
        await Lot.update({getattr(Lot, k): v for k, v in values.items()}).where(Lot.id == lot_id)
        before = {k: lot.get(k) for k in values if k != "updated_at"}
        after = {k: v for k, v in values.items() if k != "updated_at"}
        before, after = audit.changed_fields(before, after)
        await audit.record(
            actor=actor, action="lot.update", object_type="lot", object_id=lot_id, before=before, after=after
        )
        if values.get("status") == "accepted":
            await sync_delivery_milestones(lot["project"], actor)
    return await get_lot(lot_id=lot_id, user=user)


async def _step(lot: dict[str, Any], merged: dict[str, Any], target: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The columns that move ``lot`` to ``target``, checked against its data as changed (``merged``)."""
    allowed = allowed_next(lot["status"])
    if target not in allowed:
        raise Conflict(
            _(
                "A lot that is %(status)s cannot become %(target)s. Allowed next: %(allowed)s.",
                status=lot["status"],
                target=target,
                allowed=", ".join(allowed) or "—",
            ),
            extra={"allowed": allowed},
        )
    if target == "tender" and merged["method"] == "prozorro" and not merged["prozorro_id"]:
        raise InvalidInput(
            _("A lot bought through Prozorro needs its tender id before the tender stage."),
            extra={"field": "prozorro_id"},
        )
    if target == "awarded" and not merged["supplier"]:
        raise InvalidInput(_("Name the supplier (name and EDRPOU code) to award the lot."), extra={"field": "supplier"})
    if target == "contracted" and merged["contract_value_minor"] is None:
        raise InvalidInput(
            _("Enter the contract (number, date, value, currency) to mark the lot contracted."),
            extra={"field": "contract"},
        )
    if target in ("delivered", "accepted") and not await has_deliveries(lot["id"]):
        raise InvalidInput(_("Record at least one delivery first."), extra={"field": "deliveries"})
    if target != "accepted":
        return {"status": target}
    accepted_on = (
        parse_date(changes.get("accepted_on"), "accepted_on") or await last_delivery_on(lot["id"]) or kyiv_today()
    )
    return {"status": target, "accepted_on": accepted_on}
