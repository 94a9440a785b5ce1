"""The staff's lot forms on a project's management page: a new lot with its item rows, moving a lot on, its
tender id, supplier and contract, and its deliveries. Must not decide a rule: it turns forms into the services'
terms, calls one service and redirects; a refusal re-renders the management page with its message."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.response import Redirect, Template

from app.accounts.auth import client_address, require_user, staff_only
from app.platform.errors import DomainError, InvalidInput
from app.platform.i18n import _
from app.procurement.labels import LOT_STATUS_LABELS, amount, label
from app.procurement.pages.forms import Form, Pages, error_field, minor, text, texts, whole
from app.procurement.pages.projects import ITEM_ROWS, lot_form, refused_on_manage_page
from app.procurement.services.catalogue import list_catalogue
from app.procurement.services.deliveries import add_delivery
from app.procurement.services.lots import create_lot, get_lot, update_lot

NEW_LOT_FIELDS = ("category", "method", "currency", "title")
ROW_FIELDS = ("item", "description", "quantity", "estimate")
DELIVERY_FORM = ("delivered_on", "quantity", "note")
# Fields of the lot's edit form, by the service's field names.
LOT_FIELDS = {
    "prozorro_id": "prozorro_id",
    "supplier": "supplier_name",
    "supplier.name": "supplier_name",
    "supplier.edrpou": "supplier_edrpou",
    "contract": "contract_number",
    "contract.number": "contract_number",
    "contract.date": "contract_date",
    "contract.value_minor": "contract_value",
    "contract.currency": "contract_currency",
    "contract.exchange_rate": "exchange_rate",
    "exchange_rate": "exchange_rate",
    "over_estimate_reason": "over_estimate_reason",
}


def _lot_changes(lot: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """What the lot's edit form changes, in the service's terms; unchanged parts are not sent."""
    current = lot_form(lot)
    changes: dict[str, Any] = {}
    if form["prozorro_id"] != current["prozorro_id"]:
        changes["prozorro_id"] = form["prozorro_id"]
    if form["supplier_edrpou"] or form["supplier_name"]:
        if form["supplier_edrpou"] != current["supplier_edrpou"] or not lot["supplier"]:
            changes["supplier"] = {"name": form["supplier_name"], "edrpou": form["supplier_edrpou"]}
    if form["confirm_over_estimate"] and not form["over_estimate_reason"]:
        raise InvalidInput(
            _("Give the reason why the contract may exceed the estimate."), extra={"field": "over_estimate_reason"}
        )
    contract_keys = ("contract_number", "contract_date", "contract_value", "contract_currency", "exchange_rate")
    entered = any(form[k] for k in ("contract_number", "contract_date", "contract_value"))
    if entered and (any(form[k] != current[k] for k in contract_keys) or form["confirm_over_estimate"]):
        value = minor(form["contract_value"], "contract.value_minor")
        if value is None:
            raise InvalidInput(_("Give the contract's value."), extra={"field": "contract.value_minor"})
        changes["contract"] = {
            "number": form["contract_number"],
            "date": form["contract_date"],
            "value_minor": value,
            "currency": form["contract_currency"] or lot["currency"],
            "exchange_rate": form["exchange_rate"] or None,
        }
        changes["confirm_over_estimate"] = bool(form["confirm_over_estimate"])
        changes["over_estimate_reason"] = form["over_estimate_reason"]
    return changes


def _lot_problem(error: DomainError, form: dict[str, str], currency: str) -> dict[str, str]:
    """The message of a lot's error, next to the field of the edit form it names (else with the buttons); a step
    the lot cannot take (the move's form: its ``status`` and the lot's, ``from``) is said with the statuses' labels."""
    if "allowed" in error.extra:
        return {
            "status": _(
                "A lot that is %(status)s cannot become %(target)s. Allowed next: %(allowed)s.",
                status=label(LOT_STATUS_LABELS, form["from"]),
                target=label(LOT_STATUS_LABELS, form["status"]),
                allowed=", ".join(label(LOT_STATUS_LABELS, s) for s in error.extra["allowed"]) or "—",
            )
        }
    field = LOT_FIELDS.get(error_field(error), "")
    if field == "contract_value" and "limit_minor" in error.extra:
        form["over_estimate"] = "yes"
        return {
            field: _(
                "The contract value is more than the round's tolerance above the lot's estimate: up to %(limit)s "
                "needs no confirmation. To keep this value, tick the confirmation below and give the reason.",
                limit=amount(int(error.extra["limit_minor"]), form.get("contract_currency") or currency),
            )
        }
    return {field or "status": error.message}


def _new_lot_data(form: dict[str, Any], catalogue: dict[int, dict[str, Any]]) -> dict[str, Any]:
    items = []
    for index, row in enumerate(form["rows"]):
        if not (row["item"] or row["description"] or row["estimate"]):
            continue
        item_id = whole(row["item"], f"row-{index}-item", minimum=1) if row["item"] else None
        quantity = whole(row["quantity"], f"row-{index}-quantity", minimum=1) or 1
        estimate = minor(row["estimate"], f"row-{index}-estimate")
        if estimate is None:
            item = catalogue.get(item_id) if item_id else None
            if item is None or item["currency"] != form["currency"]:
                raise InvalidInput(
                    _("Give the row's estimate (for the whole quantity)."), extra={"field": f"row-{index}-estimate"}
                )
            estimate = item["unit_price_minor"] * quantity
        items.append(
            {"item_id": item_id, "description": row["description"], "quantity": quantity, "estimate_minor": estimate}
        )
    return {**{key: form[key] for key in NEW_LOT_FIELDS}, "items": items}


def _new_lot_field(error: DomainError) -> str:
    field = error_field(error)
    if field.startswith("items"):
        return "items"
    return field if field in NEW_LOT_FIELDS or field.startswith("row-") else "items"


class LotPages(Pages):
    guards = [staff_only]

    @post("/projects/{project_id:int}/lots", status_code=200)
    async def create_lot(self, request: Request, project_id: int, data: Form) -> Template | Redirect:
        user = require_user(request)
        form: dict[str, Any] = texts(data, NEW_LOT_FIELDS)
        form["rows"] = [{name: text(data, f"row-{i}-{name}") for name in ROW_FIELDS} for i in range(ITEM_ROWS)]
        try:
            catalogue = {c["id"]: c for c in await list_catalogue(active_only=False)}
            lot = await create_lot(
                project_id=project_id,
                data=_new_lot_data(form, catalogue),
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            problem = {_new_lot_field(error): error.message}
            return await refused_on_manage_page(request, project_id, error, "new-lot", problem, form)
        return Redirect(f"/projects/{project_id}/manage?done=lot#lot-{lot['id']}", status_code=303)

    @post("/lots/{lot_id:int}/status", status_code=200)
    async def move_lot(self, request: Request, lot_id: int, data: Form) -> Template | Redirect:
        return await _change_lot(request, lot_id, data, move=True)

    @post("/lots/{lot_id:int}/edit", status_code=200)
    async def edit_lot(self, request: Request, lot_id: int, data: Form) -> Template | Redirect:
        return await _change_lot(request, lot_id, data, move=False)

    @post("/lots/{lot_id:int}/deliveries", status_code=200)
    async def add_delivery(self, request: Request, lot_id: int, data: Form) -> Template | Redirect:
        user = require_user(request)
        lot = await get_lot(lot_id=lot_id, user=user)
        form = texts(data, DELIVERY_FORM)
        try:
            quantity = whole(form["quantity"], "quantity") or 0
            await add_delivery(
                lot_id=lot_id,
                data={"delivered_on": form["delivered_on"], "quantity": quantity, "note": form["note"]},
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            field = error_field(error) if error_field(error) in form else ""
            scope = f"delivery-{lot_id}"
            return await refused_on_manage_page(request, lot["project"], error, scope, {field: error.message}, form)
        return Redirect(f"/projects/{lot['project']}/manage?done=delivery#lot-{lot_id}", status_code=303)


async def _change_lot(request: Request, lot_id: int, data: dict[str, Any], *, move: bool) -> Template | Redirect:
    """A lot moved one state on (``move``: the form has only the target ``status``) or its data edited."""
    user = require_user(request)
    lot = await get_lot(lot_id=lot_id, user=user)
    if move:
        form = {"status": text(data, "status"), "from": lot["status"]}
    else:
        form = {key: text(data, key) for key in lot_form(lot)}
        if text(data, "over_estimate"):
            form["over_estimate"] = "yes"
    try:
        changes = {"status": form["status"]} if move else _lot_changes(lot, form)
        if changes:
            await update_lot(lot_id=lot_id, changes=changes, user=user, actor=user.actor(client_address(request)))
    except DomainError as error:
        problem = _lot_problem(error, form, lot["currency"])
        values = None if move else form
        return await refused_on_manage_page(request, lot["project"], error, f"lot-{lot_id}", problem, values)
    done = "status" if move else "saved" if changes else "unchanged"
    return Redirect(f"/projects/{lot['project']}/manage?done={done}#lot-{lot_id}", status_code=303)
