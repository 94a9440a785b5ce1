"""Pages of procurement for programme staff: the dashboard, the list of winners' projects, the management of
one project (package, lots, contracts, deliveries, milestones), the catalogue, the exchange rate and the
round's tolerance. A hromada's leader sees their own projects in the list; their project page is elsewhere.

Server-rendered and usable without JavaScript (plain forms, 303 redirects after a change). The logic lives
in services.py; this module parses forms, calls the services and renders (or redirects). A service's error
re-renders the page with the message next to the field it names, and the error's status code.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import File, Redirect, Template

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.applications import services as applications
from app.platform.errors import DomainError, InvalidInput, NotFound
from app.platform.i18n import N_, _, get_locale, pick
from app.procurement import charts, services
from app.procurement.controllers import parse_day
from app.procurement.money import format_amount
from app.procurement.tables import CATEGORIES, CURRENCIES, METHODS, MILESTONE_STATUSES

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEM_ROWS = 5  # rows of items in the new-lot form
MONEY_KINDS = ("planned", "contracted", "accepted")

CATEGORY_LABELS = {
    "furniture": N_("Furniture"),
    "it_equipment": N_("IT equipment"),
    "queue_system": N_("Electronic queue system"),
    "mobile_asc": N_("Mobile ASC"),
    "software": N_("Software"),
    "training": N_("Training"),
}
METHOD_LABELS = {
    "programme": N_("bought by the programme"),
    "prozorro": N_("bought by the hromada through Prozorro"),
}
LOT_STATUS_LABELS = {
    "planning": N_("planning"),
    "tender": N_("tender"),
    "awarded": N_("awarded"),
    "contracted": N_("contracted"),
    "delivered": N_("delivered"),
    "accepted": N_("accepted"),
    "cancelled": N_("cancelled"),
}
LOT_STATUS_BADGES = {"contracted": "warn", "delivered": "warn", "accepted": "ok", "cancelled": "bad"}
MOVE_LABELS = {
    "tender": N_("Announce the tender"),
    "awarded": N_("Mark awarded"),
    "contracted": N_("Mark contracted"),
    "delivered": N_("Mark delivered"),
    "accepted": N_("Accept the delivery"),
    "cancelled": N_("Cancel the lot"),
}
STAGE_LABELS = {
    "selected": N_("selected"),
    "contracted": N_("contracted"),
    "delivered": N_("delivered"),
    "opened": N_("opened"),
}
STAGE_HEADINGS = {
    "selected": N_("Selected"),
    "contracted": N_("Contracted"),
    "delivered": N_("Delivered"),
    "opened": N_("ASC opened"),
}
STAGE_BADGES = {"contracted": "warn", "delivered": "warn", "opened": "ok"}
MILESTONE_STATUS_LABELS = {
    "scheduled": N_("scheduled"),
    "met": N_("met"),
    "notMet": N_("not met"),
    "partiallyMet": N_("partially met"),
}
MILESTONE_BADGES = {"met": "ok", "partiallyMet": "warn", "notMet": "bad"}
MONEY_LABELS = {"planned": N_("Planned"), "contracted": N_("Contracted"), "accepted": N_("Accepted")}
DONE = {
    "package": N_("The support package was saved."),
    "lot": N_("The lot was added."),
    "status": N_("The lot moved on."),
    "saved": N_("The lot's data was saved."),
    "unchanged": N_("Nothing changed."),
    "delivery": N_("The delivery was recorded."),
    "milestone": N_("The milestone was updated."),
    "item": N_("The item was added to the catalogue."),
    "rate": N_("The exchange rate was saved."),
    "tolerance": N_("The round's tolerance was saved."),
}
PROJECT_COLUMNS = (
    ("hromada", N_("Hromada")),
    ("oblast", N_("Oblast")),
    ("round", N_("Round")),
    ("stage", N_("Stage")),
    ("overdue", N_("Overdue milestones")),
    ("contracted", N_("Contracted")),
)
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


# --- Small helpers shared by the templates ----------------------------------------------------------------


def amount(minor: int | None, currency: str) -> str:
    """Minor units as money in the page's language; "—" when unknown (no exchange rate yet)."""
    if minor is None:
        return "—"
    return format_amount(minor, currency, get_locale())


def _label(labels: dict[str, str], key: str) -> str:
    return _(labels[key]) if key in labels else key


def helpers() -> dict[str, Any]:
    return {
        "amount": amount,
        "category": lambda key: _label(CATEGORY_LABELS, key),
        "method": lambda key: _label(METHOD_LABELS, key),
        "lot_status": lambda key: _label(LOT_STATUS_LABELS, key),
        "lot_badge": lambda key: LOT_STATUS_BADGES.get(key, ""),
        "move_label": lambda key: _label(MOVE_LABELS, key),
        "stage_label": lambda key: _label(STAGE_LABELS, key),
        "stage_badge": lambda key: STAGE_BADGES.get(key, ""),
        "milestone_status": lambda key: _label(MILESTONE_STATUS_LABELS, key),
        "milestone_badge": lambda key: MILESTONE_BADGES.get(key, ""),
    }


def _notice(done: str) -> str:
    return _(DONE[done]) if done in DONE else ""


def _major(minor: int | None) -> str:
    """Minor units as a form shows them: 1500000 → "15000", 1500050 → "15000.50"."""
    if minor is None:
        return ""
    return f"{Decimal(minor) / 100:f}".removesuffix(".00")


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "" if value is None else str(value).strip()


def _minor(text: str, field: str) -> int | None:
    """An amount in major units ("150000" or "150000.50") as integer minor units; "" → None."""
    text = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or (value * 100) % 1:
        raise InvalidInput(_("Write an amount such as 150000 or 150000.50."), extra={"field": field})
    return int(value * 100)


def _whole(text: str, field: str, *, minimum: int = 0) -> int | None:
    text = text.replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if not text.lstrip("-").isdigit() or int(text) < minimum:
        raise InvalidInput(_("Write a whole number of at least %(min)s.", min=minimum), extra={"field": field})
    return int(text)


def _id(text: str) -> int | None:
    """A record id from a query or form field; anything else (empty, not a number) is no filter."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _field(error: DomainError) -> str:
    return str(error.extra.get("field") or "")


async def _rounds(request: Request) -> list[dict[str, Any]]:
    return await applications.list_rounds(user=require_user(request))


def _query(**params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


# --- The dashboard ------------------------------------------------------------------------------------


def _stage_chart(reached: dict[str, int]) -> Any:
    return charts.bar_chart(
        chart_id="chart-stages",
        title=_("Winners at each stage"),
        description=_("Each bar counts the winners that have reached the stage. The figures are also given above."),
        groups=[charts.Group(_(STAGE_HEADINGS[s]), [reached[s]]) for s in services.STAGES],
        series=[charts.Series("stage", _("Winners"))],
        axis_label=_("Number of winners"),
        whole=True,
        legend=False,
    )


def _money_chart(per_oblast: list[dict[str, Any]], currency: str) -> Any:
    def major(minor: int | None) -> float | None:
        return None if minor is None else minor / 100

    return charts.bar_chart(
        chart_id="chart-money",
        title=_("Money per oblast: planned, contracted and accepted, %(currency)s", currency=currency),
        description=_("The same amounts are in the table next to the chart."),
        groups=[
            charts.Group(
                pick(o["oblast_name_uk"], o["oblast_name_en"]), [major(o[kind][currency]) for kind in MONEY_KINDS]
            )
            for o in per_oblast
        ],
        series=[charts.Series(kind, _(MONEY_LABELS[kind])) for kind in MONEY_KINDS],
        axis_label=_("Amount, %(currency)s", currency=currency),
    )


async def _dashboard_page(
    request: Request,
    *,
    round_id: int | None,
    programme_id: int | None,
    currency: str,
    as_of: str = "",
    done: str = "",
    problems: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Template:
    currency = currency if currency in CURRENCIES else "UAH"
    data = await services.dashboard(round_id=round_id, programme_id=programme_id, today=parse_day(as_of, "as_of"))
    rounds = await _rounds(request)
    round_ = next((r for r in rounds if r["id"] == round_id), None)
    if round_id and round_ is None:
        raise NotFound(_("There is no such round."))
    tolerance = await services._tolerance({"round": round_id}) if round_id else None
    filters = {"round": round_id or "", "programme": programme_id or "", "as_of": as_of or ""}
    values = values or {}
    return Template(
        "procurement/dashboard.html",
        context={
            "data": data,
            "rounds": rounds,
            "round": round_,
            "programmes": await applications.list_programmes(),
            "filters": filters,
            "currency": currency,
            "currency_links": {c: _query(**filters, currency=c if c != "UAH" else "") for c in CURRENCIES},
            "export_href": "/projects.xlsx" + _query(round=round_id),
            "projects_href": "/projects" + _query(round=round_id),
            "stage_keys": services.STAGES,
            "stage_headings": {s: _(STAGE_HEADINGS[s]) for s in services.STAGES},
            "stage_chart": _stage_chart(data["reached"]),
            "money_chart": _money_chart(data["per_oblast"], currency) if data["per_oblast"] else "",
            "money_labels": {k: _(v) for k, v in MONEY_LABELS.items()},
            "tolerance": tolerance,
            "notice": _notice(done),
            "problems": problems or {},
            "rate_form": values.get("rate") or {"on_date": services.kyiv_today().isoformat(), "uah_per_eur": ""},
            "tolerance_form": values.get("tolerance") or {"tolerance_percent": "" if tolerance is None else tolerance},
            **helpers(),
        },
        status_code=status_code,
    )


# --- The list of projects -------------------------------------------------------------------------------


async def _project_rows(user: Any, round_id: int | None) -> list[dict[str, Any]]:
    projects = await services.list_projects(user=user, round_id=round_id)
    ids = [p["id"] for p in projects]
    lots = await services.lot_money_of(ids)
    milestones = await services.milestone_states_of(ids)
    rate = await services.latest_rate()
    for project in projects:
        mine = lots[project["id"]]
        project["stage"] = services.project_stage(mine, milestones[project["id"]])
        project["overdue"] = sum(1 for m in milestones[project["id"]] if m["overdue"])
        project["lots"] = len(mine)
        project["totals"] = services.project_totals({project["id"]: mine}, rate)
    return projects


def _sort_key(key: str):
    def value(project: dict[str, Any]) -> Any:
        if key == "oblast":
            return (pick(project["oblast_name_uk"], project["oblast_name_en"]), project["hromada_name"])
        if key == "round":
            return (pick(project["round_title_uk"], project["round_title_en"]), project["hromada_name"])
        if key == "stage":
            return (services.STAGES.index(project["stage"]), project["hromada_name"])
        if key == "overdue":
            return (project["overdue"], project["hromada_name"])
        if key == "contracted":
            return (project["totals"]["contracted"]["UAH"] or 0, project["hromada_name"])
        return (project["hromada_name"], project["id"])

    return value


def _sort_links(filters: dict[str, Any], sort: str) -> list[dict[str, Any]]:
    columns = []
    for key, label in PROJECT_COLUMNS:
        current = sort.removeprefix("-") == key or (not sort and key == "hromada")
        descending = sort.startswith("-")
        columns.append(
            {
                "key": key,
                "label": _(label),
                "href": _query(**{**filters, "sort": f"-{key}" if current and not descending else key}),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return columns


# --- The management of one project -------------------------------------------------------------------------


def _lot_form(lot: dict[str, Any]) -> dict[str, str]:
    return {
        "prozorro_id": lot["prozorro_id"] or "",
        "supplier_name": lot["supplier_name"] or "",
        "supplier_edrpou": lot["supplier_edrpou"] or "",
        "contract_number": lot["contract_number"] or "",
        "contract_date": lot["contract_date"].isoformat() if lot["contract_date"] else "",
        "contract_value": _major(lot["contract_value_minor"]),
        "contract_currency": lot["contract_currency"] or lot["currency"],
        "exchange_rate": lot["exchange_rate"] or "",
        "confirm_over_estimate": "",
        "over_estimate_reason": lot["over_estimate_reason"] or "",
    }


def _new_lot_form() -> dict[str, Any]:
    return {
        "category": "",
        "method": "programme",
        "currency": "UAH",
        "title": "",
        "rows": [{"item": "", "description": "", "quantity": "", "estimate": ""} for _row in range(ITEM_ROWS)],
    }


def _milestone_form(milestone: dict[str, Any]) -> dict[str, str]:
    return {
        "status": milestone["status"],
        "date_met": milestone["date_met"].isoformat() if milestone["date_met"] else "",
        "due_date": milestone["due_date"].isoformat() if milestone["due_date"] else "",
        "note": milestone["note"] or "",
        "value": "" if milestone["value"] is None else str(milestone["value"]),
    }


async def _manage_page(
    request: Request,
    project_id: int,
    *,
    done: str = "",
    problems: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Template:
    user = require_user(request)
    detail = await services.project_detail(project_id=project_id, user=user)
    problems = problems or {}
    values = values or {}
    in_package = {p["item"]: p["quantity"] for p in detail["package"]}
    catalogue = [c for c in await services.list_catalogue(active_only=False) if c["active"] or c["id"] in in_package]
    documents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for document in await services.project_documents(project_id, [lot["id"] for lot in detail["lots"]]):
        if document["owner_type"] == "lot":
            documents[document["owner_id"]].append(document)
    for lot in detail["lots"]:
        scope = f"lot-{lot['id']}"
        lot["form"] = {**_lot_form(lot), **values.get(scope, {})}
        lot["documents"] = documents[lot["id"]]
        lot["takes_deliveries"] = lot["status"] in ("contracted", "delivered")
        lot["delivery_form"] = values.get(f"delivery-{lot['id']}") or {"delivered_on": "", "quantity": "", "note": ""}
    for milestone in detail["milestones"]:
        milestone["form"] = values.get(f"milestone-{milestone['key']}") or _milestone_form(milestone)
    package_form = values.get("package") or {f"qty-{item_id}": str(q) for item_id, q in in_package.items()}
    return Template(
        "procurement/manage.html",
        context={
            **detail,
            "catalogue": catalogue,
            "package_form": package_form,
            "new_lot": values.get("new-lot") or _new_lot_form(),
            "tolerance": await services._tolerance(detail["project"]),
            "categories": CATEGORIES,
            "methods": METHODS,
            "currencies": CURRENCIES,
            "milestone_statuses": MILESTONE_STATUSES,
            "notice": _notice(done),
            "problems": problems,
            **helpers(),
        },
        status_code=status_code,
    )


def _lot_changes(lot: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """What the lot's edit form changes, in the service's terms; unchanged parts are not sent."""
    current = _lot_form(lot)
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
        value = _minor(form["contract_value"], "contract.value_minor")
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
    """The message of a lot's error, next to the field of the edit form it names (else with the buttons)."""
    field = LOT_FIELDS.get(_field(error), "")
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
        item_id = _whole(row["item"], f"row-{index}-item", minimum=1) if row["item"] else None
        quantity = _whole(row["quantity"], f"row-{index}-quantity", minimum=1) or 1
        estimate = _minor(row["estimate"], f"row-{index}-estimate")
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
    return {
        "category": form["category"],
        "method": form["method"],
        "currency": form["currency"],
        "title": form["title"],
        "items": items,
    }


def _new_lot_field(error: DomainError) -> str:
    field = _field(error)
    if field.startswith("items"):
        return "items"
    return field if field in ("category", "method", "currency", "title") or field.startswith("row-") else "items"


class ProcurementStaffPages(Controller):
    path = "/"
    tags = ["pages"]
    include_in_schema = False

    # --- The dashboard and its settings ---

    @get("/dashboard", guards=[staff_only])
    async def dashboard(
        self,
        request: Request,
        round: str = "",
        programme: str = "",
        currency: str = "UAH",
        as_of: str = "",
        done: str = "",
    ) -> Template:
        return await _dashboard_page(
            request, round_id=_id(round), programme_id=_id(programme), currency=currency, as_of=as_of, done=done
        )

    @post("/exchange-rates", guards=[staff_only], status_code=200)
    async def set_rate(self, request: Request, data: Annotated[dict[str, Any], FormBody]) -> Template | Redirect:
        user = require_user(request)
        form = {"on_date": _text(data, "on_date"), "uah_per_eur": _text(data, "uah_per_eur")}
        view = {
            "round_id": _id(_text(data, "round")),
            "programme_id": _id(_text(data, "programme")),
            "currency": _text(data, "currency") or "UAH",
        }
        try:
            await services.set_rate(
                on_date=form["on_date"], uah_per_eur=form["uah_per_eur"], actor=user.actor(client_address(request))
            )
        except DomainError as error:
            field = _field(error) if _field(error) in form else "uah_per_eur"
            return await _dashboard_page(
                request,
                **view,
                problems={"rate": {field: error.message}},
                values={"rate": form},
                status_code=error.status_code,
            )
        target = _query(round=view["round_id"], programme=view["programme_id"], currency=view["currency"], done="rate")
        return Redirect(f"/dashboard{target}#settings", status_code=303)

    @post("/rounds/{round_id:int}/procurement-tolerance", guards=[staff_only], status_code=200)
    async def set_tolerance(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        form = {"tolerance_percent": _text(data, "tolerance_percent")}
        try:
            percent = _whole(form["tolerance_percent"], "tolerance_percent")
            if percent is None:
                raise InvalidInput(
                    _("The tolerance must be a whole percentage from 0 to 100."), extra={"field": "tolerance_percent"}
                )
            await services.set_tolerance(round_id=round_id, percent=percent, actor=user.actor(client_address(request)))
        except DomainError as error:
            if error.status_code == 404:
                raise
            return await _dashboard_page(
                request,
                round_id=round_id,
                programme_id=None,
                currency="UAH",
                problems={"tolerance": {"tolerance_percent": error.message}},
                values={"tolerance": form},
                status_code=error.status_code,
            )
        return Redirect(f"/dashboard?round={round_id}&done=tolerance#settings", status_code=303)

    @get("/projects.xlsx", guards=[staff_only], media_type=XLSX)
    async def export(self, round: str = "") -> File:
        round_id = _id(round)
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
        handle.close()
        await services.export_workbook(round_id=round_id, path=handle.name)
        name = f"projects-round-{round_id}.xlsx" if round_id else "projects.xlsx"
        return File(path=handle.name, filename=name, media_type=XLSX, background=BackgroundTask(os.unlink, handle.name))

    # --- Projects ---

    @get("/projects", guards=[signed_in])
    async def projects(
        self,
        request: Request,
        round: str = "",
        oblast: str = "",
        stage: str = "",
        q: str = "",
        sort: str = "",
    ) -> Template:
        user = require_user(request)
        round_id = _id(round)
        rows = await _project_rows(user, round_id)
        oblasts = sorted(
            {p["oblast_code"]: pick(p["oblast_name_uk"], p["oblast_name_en"]) for p in rows}.items(),
            key=lambda pair: pair[1],
        )
        stage = stage if stage in services.STAGES else ""
        sort = sort if sort.removeprefix("-") in {key for key, _label in PROJECT_COLUMNS} else ""
        needle = q.strip().casefold()
        shown = [
            p
            for p in rows
            if (not oblast or p["oblast_code"] == oblast)
            and (not stage or p["stage"] == stage)
            and (not needle or needle in p["hromada_name"].casefold() or needle in p["hromada_code"].casefold())
        ]
        shown.sort(key=_sort_key(sort.removeprefix("-")), reverse=sort.startswith("-"))
        filters = {"round": round_id or "", "oblast": oblast, "stage": stage, "q": q}
        return Template(
            "procurement/projects.html",
            context={
                "user": user,
                "projects": shown,
                "total": len(rows),
                "filters": filters,
                "columns": _sort_links(filters, sort),
                "rounds": await _rounds(request) if user.is_staff else [],
                "oblasts": oblasts,
                "stages": services.STAGES,
                "sort": sort,
                **helpers(),
            },
        )

    @get("/projects/{project_id:int}/manage", guards=[staff_only])
    async def manage(self, request: Request, project_id: int, done: str = "") -> Template:
        return await _manage_page(request, project_id, done=done)

    @post("/projects/{project_id:int}/package", guards=[staff_only], status_code=200)
    async def package(
        self, request: Request, project_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        form = {key: _text(data, key) for key in data if key.startswith("qty-")}
        try:
            items = []
            for key, text in form.items():
                quantity = _whole(text, key)
                if quantity:
                    items.append({"item_id": _whole(key.removeprefix("qty-"), key, minimum=1), "quantity": quantity})
            await services.set_package(
                project_id=project_id, items=items, user=user, actor=user.actor(client_address(request))
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            field = _field(error) if _field(error).startswith("qty-") else ""
            return await _manage_page(
                request,
                project_id,
                problems={"package": {field: error.message}},
                values={"package": form},
                status_code=error.status_code,
            )
        return Redirect(f"/projects/{project_id}/manage?done=package#package", status_code=303)

    @post("/projects/{project_id:int}/lots", guards=[staff_only], status_code=200)
    async def create_lot(
        self, request: Request, project_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        form: dict[str, Any] = {key: _text(data, key) for key in ("category", "method", "currency", "title")}
        form["rows"] = [
            {name: _text(data, f"row-{i}-{name}") for name in ("item", "description", "quantity", "estimate")}
            for i in range(ITEM_ROWS)
        ]
        try:
            catalogue = {c["id"]: c for c in await services.list_catalogue(active_only=False)}
            lot = await services.create_lot(
                project_id=project_id,
                data=_new_lot_data(form, catalogue),
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            return await _manage_page(
                request,
                project_id,
                problems={"new-lot": {_new_lot_field(error): error.message}},
                values={"new-lot": form},
                status_code=error.status_code,
            )
        return Redirect(f"/projects/{project_id}/manage?done=lot#lot-{lot['id']}", status_code=303)

    @post("/lots/{lot_id:int}/status", guards=[staff_only], status_code=200)
    async def move_lot(
        self, request: Request, lot_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        lot = await services.get_lot(lot_id=lot_id, user=user)
        target = _text(data, "status")
        try:
            await services.update_lot(
                lot_id=lot_id, changes={"status": target}, user=user, actor=user.actor(client_address(request))
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            scope = f"lot-{lot_id}"
            if "allowed" in error.extra:
                allowed = [_label(LOT_STATUS_LABELS, s) for s in error.extra["allowed"]]
                message = _(
                    "A lot that is %(status)s cannot become %(target)s. Allowed next: %(allowed)s.",
                    status=_label(LOT_STATUS_LABELS, lot["status"]),
                    target=_label(LOT_STATUS_LABELS, target),
                    allowed=", ".join(allowed) or "—",
                )
                problem = {"status": message}
            else:
                problem = _lot_problem(error, {}, lot["currency"])
            return await _manage_page(request, lot["project"], problems={scope: problem}, status_code=error.status_code)
        return Redirect(f"/projects/{lot['project']}/manage?done=status#lot-{lot_id}", status_code=303)

    @post("/lots/{lot_id:int}/edit", guards=[staff_only], status_code=200)
    async def edit_lot(
        self, request: Request, lot_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        lot = await services.get_lot(lot_id=lot_id, user=user)
        form = {key: _text(data, key) for key in _lot_form(lot)}
        if _text(data, "over_estimate"):
            form["over_estimate"] = "yes"
        try:
            changes = _lot_changes(lot, form)
            if changes:
                await services.update_lot(
                    lot_id=lot_id, changes=changes, user=user, actor=user.actor(client_address(request))
                )
        except DomainError as error:
            if error.status_code == 404:
                raise
            scope = f"lot-{lot_id}"
            problem = _lot_problem(error, form, lot["currency"])
            return await _manage_page(
                request,
                lot["project"],
                problems={scope: problem},
                values={scope: form},
                status_code=error.status_code,
            )
        done = "saved" if changes else "unchanged"
        return Redirect(f"/projects/{lot['project']}/manage?done={done}#lot-{lot_id}", status_code=303)

    @post("/lots/{lot_id:int}/deliveries", guards=[staff_only], status_code=200)
    async def add_delivery(
        self, request: Request, lot_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        lot = await services.get_lot(lot_id=lot_id, user=user)
        form = {key: _text(data, key) for key in ("delivered_on", "quantity", "note")}
        scope = f"delivery-{lot_id}"
        try:
            quantity = _whole(form["quantity"], "quantity") or 0
            await services.add_delivery(
                lot_id=lot_id,
                data={"delivered_on": form["delivered_on"], "quantity": quantity, "note": form["note"]},
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            field = _field(error) if _field(error) in form else ""
            return await _manage_page(
                request,
                lot["project"],
                problems={scope: {field: error.message}},
                values={scope: form},
                status_code=error.status_code,
            )
        return Redirect(f"/projects/{lot['project']}/manage?done=delivery#lot-{lot_id}", status_code=303)

    @post("/projects/{project_id:int}/milestones/{key:str}", guards=[staff_only], status_code=200)
    async def set_milestone(
        self, request: Request, project_id: int, key: str, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        form = {name: _text(data, name) for name in ("status", "date_met", "due_date", "note", "value")}
        scope = f"milestone-{key}"
        try:
            payload: dict[str, Any] = {"status": form["status"], "date_met": form["date_met"], "note": form["note"]}
            if "value" in data:
                payload["value"] = _whole(form["value"], "value")
            if form["due_date"]:
                payload["due_date"] = form["due_date"]
            await services.set_milestone(
                project_id=project_id, key=key, data=payload, user=user, actor=user.actor(client_address(request))
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            field = _field(error) if _field(error) in form else "status"
            return await _manage_page(
                request,
                project_id,
                problems={scope: {field: error.message}},
                values={scope: form},
                status_code=error.status_code,
            )
        return Redirect(f"/projects/{project_id}/manage?done=milestone#milestone-{key}", status_code=303)

    # --- The catalogue ---

    @get("/catalogue", guards=[staff_only])
    async def catalogue(self, done: str = "") -> Template:
        return await _catalogue_page(done=done)

    @post("/catalogue", guards=[staff_only], status_code=200)
    async def add_item(self, request: Request, data: Annotated[dict[str, Any], FormBody]) -> Template | Redirect:
        user = require_user(request)
        form = {key: _text(data, key) for key in ("name_uk", "name_en", "category", "unit", "unit_price", "currency")}
        try:
            price = _minor(form["unit_price"], "unit_price")
            if price is None:
                raise InvalidInput(_("Give the unit price."), extra={"field": "unit_price"})
            await services.add_catalogue_item(
                data={
                    "name_uk": form["name_uk"],
                    "name_en": form["name_en"],
                    "category": form["category"],
                    "unit": form["unit"] or "pcs",
                    "unit_price_minor": price,
                    "currency": form["currency"] or "UAH",
                },
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            field = "unit_price" if _field(error) == "unit_price_minor" else _field(error)
            return await _catalogue_page(
                form=form, problems={field if field in form else "": error.message}, status_code=error.status_code
            )
        return Redirect("/catalogue?done=item", status_code=303)


async def _catalogue_page(
    *,
    done: str = "",
    form: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "procurement/catalogue.html",
        context={
            "items": await services.list_catalogue(active_only=False),
            "form": form
            or {"name_uk": "", "name_en": "", "category": "", "unit": "", "unit_price": "", "currency": "UAH"},
            "errors": problems or {},
            "categories": CATEGORIES,
            "currencies": CURRENCIES,
            "notice": _notice(done),
            **helpers(),
        },
        status_code=status_code,
    )
