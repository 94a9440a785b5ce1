"""The list of winners' projects (staff: all, filtered and sorted; a leader: their own) and the staff's page that
manages one project: its package, lots, deliveries and milestones, with the package and milestone forms.
Must not decide a rule: it parses forms, calls one service and renders; a refusal re-renders with its message."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.applications.services import rounds as applications
from app.platform.errors import DomainError
from app.platform.i18n import N_, _, pick
from app.procurement.labels import helpers
from app.procurement.pages.forms import Form, Pages, error_field, major, notice, query, record_id, text, texts, whole
from app.procurement.services.catalogue import list_catalogue
from app.procurement.services.contracts import tolerance_of
from app.procurement.services.documents import project_documents
from app.procurement.services.milestones import set_milestone
from app.procurement.services.overview import STAGES, project_detail, project_rows
from app.procurement.services.projects import set_package
from app.procurement.tables import CATEGORIES, CURRENCIES, METHODS, MILESTONE_STATUSES

ITEM_ROWS = 5  # rows of items in the new-lot form
PROJECT_COLUMNS = (
    ("hromada", N_("Hromada")),
    ("oblast", N_("Oblast")),
    ("round", N_("Round")),
    ("stage", N_("Stage")),
    ("overdue", N_("Overdue milestones")),
    ("contracted", N_("Contracted")),
)
MILESTONE_FORM = ("status", "date_met", "due_date", "note", "value")


async def rounds_for(request: Request) -> list[dict[str, Any]]:
    return await applications.list_rounds(user=require_user(request))


# --- The list of projects -------------------------------------------------------------------------------


def _sort_key(key: str):
    def value(project: dict[str, Any]) -> Any:
        if key == "oblast":
            return (pick(project["oblast_name_uk"], project["oblast_name_en"]), project["hromada_name"])
        if key == "round":
            return (pick(project["round_title_uk"], project["round_title_en"]), project["hromada_name"])
        if key == "stage":
            return (STAGES.index(project["stage"]), project["hromada_name"])
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
                "href": query(**{**filters, "sort": f"-{key}" if current and not descending else key}),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return columns


# --- The management of one project -------------------------------------------------------------------------


def lot_form(lot: dict[str, Any]) -> dict[str, str]:
    """The lot's edit form as the lot stands."""
    return {
        "prozorro_id": lot["prozorro_id"] or "",
        "supplier_name": lot["supplier_name"] or "",
        "supplier_edrpou": lot["supplier_edrpou"] or "",
        "contract_number": lot["contract_number"] or "",
        "contract_date": lot["contract_date"].isoformat() if lot["contract_date"] else "",
        "contract_value": major(lot["contract_value_minor"]),
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


async def manage_page(
    request: Request,
    project_id: int,
    *,
    done: str = "",
    problems: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Template:
    user = require_user(request)
    detail = await project_detail(project_id=project_id, user=user)
    problems = problems or {}
    values = values or {}
    in_package = {p["item"]: p["quantity"] for p in detail["package"]}
    catalogue = [c for c in await list_catalogue(active_only=False) if c["active"] or c["id"] in in_package]
    documents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for document in await project_documents(project_id, [lot["id"] for lot in detail["lots"]]):
        if document["owner_type"] == "lot":
            documents[document["owner_id"]].append(document)
    for lot in detail["lots"]:
        scope = f"lot-{lot['id']}"
        lot["form"] = {**lot_form(lot), **values.get(scope, {})}
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
            "tolerance": await tolerance_of(detail["project"]),
            "categories": CATEGORIES,
            "methods": METHODS,
            "currencies": CURRENCIES,
            "milestone_statuses": MILESTONE_STATUSES,
            "notice": notice(done),
            "problems": problems,
            **helpers(),
        },
        status_code=status_code,
    )


async def refused_on_manage_page(
    request: Request,
    project_id: int,
    error: DomainError,
    scope: str,
    problem: dict[str, str],
    form: dict[str, Any] | None = None,
) -> Template:
    """The management page again with ``problem`` at the form ``scope`` (and its values as sent); a 404 stays one."""
    if error.status_code == 404:
        raise error
    values = {scope: form} if form is not None else None
    return await manage_page(
        request, project_id, problems={scope: problem}, values=values, status_code=error.status_code
    )


class ProjectListPages(Pages):
    @get("/projects", guards=[signed_in])
    async def projects(
        self, request: Request, round: str = "", oblast: str = "", stage: str = "", q: str = "", sort: str = ""
    ) -> Template:
        user = require_user(request)
        round_id = record_id(round)
        rows = await project_rows(user=user, round_id=round_id)
        oblasts = sorted(
            {p["oblast_code"]: pick(p["oblast_name_uk"], p["oblast_name_en"]) for p in rows}.items(),
            key=lambda pair: pair[1],
        )
        stage = stage if stage in STAGES else ""
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
                "rounds": await rounds_for(request) if user.is_staff else [],
                "oblasts": oblasts,
                "stages": STAGES,
                "sort": sort,
                **helpers(),
            },
        )

    @get("/projects/{project_id:int}/manage", guards=[staff_only])
    async def manage(self, request: Request, project_id: int, done: str = "") -> Template:
        return await manage_page(request, project_id, done=done)

    @post("/projects/{project_id:int}/package", guards=[staff_only], status_code=200)
    async def package(self, request: Request, project_id: int, data: Form) -> Template | Redirect:
        user = require_user(request)
        form = {key: text(data, key) for key in data if key.startswith("qty-")}
        try:
            items = []
            for key, quantity_text in form.items():
                quantity = whole(quantity_text, key)
                if quantity:
                    items.append({"item_id": whole(key.removeprefix("qty-"), key, minimum=1), "quantity": quantity})
            await set_package(project_id=project_id, items=items, user=user, actor=user.actor(client_address(request)))
        except DomainError as error:
            field = error_field(error) if error_field(error).startswith("qty-") else ""
            return await refused_on_manage_page(request, project_id, error, "package", {field: error.message}, form)
        return Redirect(f"/projects/{project_id}/manage?done=package#package", status_code=303)

    @post("/projects/{project_id:int}/milestones/{key:str}", guards=[staff_only], status_code=200)
    async def set_milestone(self, request: Request, project_id: int, key: str, data: Form) -> Template | Redirect:
        user = require_user(request)
        form = texts(data, MILESTONE_FORM)
        try:
            payload: dict[str, Any] = {"status": form["status"], "date_met": form["date_met"], "note": form["note"]}
            if "value" in data:
                payload["value"] = whole(form["value"], "value")
            if form["due_date"]:
                payload["due_date"] = form["due_date"]
            await set_milestone(
                project_id=project_id, key=key, data=payload, user=user, actor=user.actor(client_address(request))
            )
        except DomainError as error:
            field = error_field(error) if error_field(error) in form else "status"
            scope = f"milestone-{key}"
            return await refused_on_manage_page(request, project_id, error, scope, {field: error.message}, form)
        return Redirect(f"/projects/{project_id}/manage?done=milestone#milestone-{key}", status_code=303)
