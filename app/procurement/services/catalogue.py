"""The catalogue of support items (furniture, IT equipment, ...) that packages and lots draw on: listing it and
adding to it. Must not touch projects, packages or lots."""

from __future__ import annotations

from typing import Any

from app.platform import audit
from app.platform.db import write_transaction
from app.platform.errors import InvalidInput
from app.platform.i18n import _
from app.procurement.services.inputs import parse_amount, parse_category, parse_currency
from app.procurement.tables import CatalogueItem


async def list_catalogue(*, active_only: bool = True) -> list[dict[str, Any]]:
    query = CatalogueItem.select().order_by(CatalogueItem.category).order_by(CatalogueItem.name_uk)
    if active_only:
        query = query.where(CatalogueItem.active == True)  # noqa: E712
    return await query


async def add_catalogue_item(*, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    name_uk = str(data.get("name_uk") or "").strip()
    if not name_uk:
        raise InvalidInput(_("Give the item a name in Ukrainian."), extra={"field": "name_uk"})
    category = parse_category(data.get("category"))
    item = CatalogueItem(
        name_uk=name_uk,
        name_en=str(data.get("name_en") or "").strip(),
        category=category,
        unit=str(data.get("unit") or "pcs")[:20],
        unit_price_minor=parse_amount(data.get("unit_price_minor"), "unit_price_minor"),
        currency=parse_currency(data.get("currency", "UAH")),
    )
    async with write_transaction():
        await item.save()
        await audit.record(
            actor=actor, action="catalogue.add", object_type="catalogue_item", object_id=item.id, after=item.to_dict()
        )
    return item.to_dict()
