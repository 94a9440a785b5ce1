"""The project page that a winning hromada's leader and programme staff open: the money, the milestones as a
timeline, the lots with their deliveries and documents, the report of the opening, and the OCDS download.
Must not decide a rule: it parses forms, calls one service and renders; a refusal re-renders with its message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template

from app.accounts.auth import client_address, require_user, signed_in
from app.accounts.services.users import CurrentUser
from app.platform.documents import DEFAULT_ALLOWED_TYPES, IMAGE_TYPES, human_size
from app.platform.errors import DomainError, InvalidInput, NotFound
from app.platform.i18n import gettext, pick
from app.platform.settings import Settings
from app.platform.storage import Storage
from app.platform.web import FILE_ACCEPT
from app.procurement.api import uploading
from app.procurement.labels import (
    CATEGORY_LABELS,
    DOCUMENT_KINDS,
    LOT_END_BADGES,
    LOT_STATUS_LABELS,
    METHOD_TITLES,
    MILESTONE_MARKERS,
    MILESTONE_TIMELINE_LABELS,
    MONEY_LABELS,
    STAGE_END_BADGES,
    STAGE_TITLES,
    amount,
    label,
)
from app.procurement.pages.forms import Form, MultipartForm, single, texts, upload
from app.procurement.services.deliveries import DELIVERABLE, add_delivery
from app.procurement.services.documents import attach_lot_document, project_documents
from app.procurement.services.inputs import kyiv_today
from app.procurement.services.lots import get_lot
from app.procurement.services.milestones import OPENING
from app.procurement.services.ocds import release_package
from app.procurement.services.opening import OPENING_PHOTO, report_opening
from app.procurement.services.overview import project_detail
from app.procurement.services.projects import get_project

# A service names the field it refuses; the page shows the message next to the form's own field.
DOCUMENT_FIELDS = {"kind": "kind", "file": "file"}
DELIVERY_FIELDS = {"delivered_on": "delivered_on", "quantity": "quantity", "note": "note"}
OPENING_FIELDS = {"opened_on": "opened_on", "date_met": "opened_on", "file": "photo", "photo": "photo", "note": "note"}


def _form(anchor: str, values: dict[str, str] | None = None) -> dict[str, Any]:
    return {"id": anchor, "data": values or {}, "errors": {}, "message": ""}


def failed_form(
    anchor: str, failure: DomainError, fields: dict[str, str], values: dict[str, str], lot_id: int | None = None
) -> dict[str, Any]:
    """A refused form: its values as sent, the message next to the field it concerns (or atop the form)."""
    form = _form(anchor, values)
    form["lot_id"] = lot_id
    form["status_code"] = failure.status_code
    field = fields.get(str(failure.extra.get("field", "")))
    if field:
        form["errors"][field] = failure.message
    else:
        form["message"] = failure.message
    form["summary"] = failure.message
    return form


def milestone_view(milestone: dict[str, Any], today: date) -> dict[str, Any]:
    status = milestone["status"]
    value = milestone["value"]
    if value is None:
        value_text = ""
    elif milestone["key"] == "staff_trained":
        value_text = gettext("Staff trained: %(n)s", n=value)
    else:
        value_text = gettext("Figure: %(n)s", n=value)
    overdue = bool(milestone["overdue"])
    return {
        **milestone,
        "title": pick(milestone["title_uk"], milestone["title_en"]),
        "status_label": label(MILESTONE_TIMELINE_LABELS, status),
        "state": "overdue" if overdue else status,
        "marker": MILESTONE_MARKERS["overdue" if overdue else status] if status in MILESTONE_MARKERS else "•",
        "days_late": (today - milestone["due_date"]).days if overdue else 0,
        "value_text": value_text,
    }


def document_view(document: dict[str, Any]) -> dict[str, Any]:
    return {
        **document,
        "kind_label": label(DOCUMENT_KINDS, document["kind"]),
        "size": human_size(document["size_bytes"]),
    }


def _accept(types: Any) -> dict[str, str]:
    """What a file field says it takes: the names for people, the ``accept`` attribute for the browser."""
    return {
        "types": ", ".join(t.upper() for t in types),
        "accept": ",".join(FILE_ACCEPT.get(t, "." + t) for t in types),
    }


async def render_page(
    request: Request,
    settings: Settings,
    project_id: int,
    *,
    failed: dict[str, Any] | None = None,
) -> Template:
    user = require_user(request)
    today = kyiv_today()
    detail = await project_detail(project_id=project_id, user=user, today=today)
    project = detail["project"]
    documents = await project_documents(project_id, [lot["id"] for lot in detail["lots"]])
    is_leader = user.role == "applicant"

    lot_documents: dict[int, list[dict[str, Any]]] = {}
    opening_photos = []
    for document in documents:
        if document["owner_type"] == "lot":
            lot_documents.setdefault(document["owner_id"], []).append(document_view(document))
        elif document["kind"] == OPENING_PHOTO:
            opening_photos.append(document_view(document))

    def form_for(anchor: str, values: dict[str, str] | None = None) -> dict[str, Any]:
        if failed and failed["id"] == anchor:
            return failed
        return _form(anchor, values)

    lots = []
    for lot in detail["lots"]:
        lots.append(
            {
                **lot,
                "category_label": label(CATEGORY_LABELS, lot["category"]),
                "method_label": label(METHOD_TITLES, lot["method"]),
                "status_label": label(LOT_STATUS_LABELS, lot["status"]),
                "status_badge": LOT_END_BADGES.get(lot["status"], ""),
                "estimate": amount(lot["estimate_minor"], lot["currency"]),
                "contract_value": amount(lot["contract_value_minor"], lot["contract_currency"]),
                "item_rows": [
                    {**item, "estimate": amount(item["estimate_minor"], lot["currency"])} for item in lot["items"]
                ],
                "documents": lot_documents.get(lot["id"], []),
                "can_upload": lot["status"] != "cancelled",
                "can_deliver": is_leader and lot["status"] in DELIVERABLE,
                "document_form": form_for(f"lot-{lot['id']}-document", values={"kind": "acceptance_act"}),
                "delivery_form": form_for(f"lot-{lot['id']}-delivery", values={"delivered_on": today.isoformat()}),
            }
        )

    milestones = [milestone_view(m, today) for m in detail["milestones"]]
    opening = next((m for m in milestones if m["key"] == OPENING), None)
    opened = opening is not None and opening["status"] == "met"
    totals = detail["totals"]
    missing_rate = any(totals[kind][currency] is None for kind in totals for currency in totals[kind])
    package = [
        {
            **row,
            "name": pick(row["name_uk"], row["name_en"]),
            "category_label": label(CATEGORY_LABELS, row["category"]),
            "unit_price": amount(row["unit_price_minor"], row["currency"]),
        }
        for row in detail["package"]
    ]
    document_files, photo_files = _accept(DEFAULT_ALLOWED_TYPES), _accept(IMAGE_TYPES)
    return Template(
        "procurement/project.html",
        context={
            "user": user,
            "is_leader": is_leader,
            "project": project,
            "hromada_name": project["hromada_name"],
            "oblast_name": pick(project["oblast_name_uk"], project["oblast_name_en"]),
            "round_title": pick(project["round_title_uk"], project["round_title_en"]),
            "stage": detail["stage"],
            "stage_label": label(STAGE_TITLES, detail["stage"]),
            "stage_badge": STAGE_END_BADGES.get(detail["stage"], ""),
            "totals": [
                {
                    "key": kind,
                    "label": gettext(title),
                    "uah": amount(totals[kind]["UAH"], "UAH"),
                    "eur": amount(totals[kind]["EUR"], "EUR"),
                }
                for kind, title in MONEY_LABELS.items()
            ],
            "missing_rate": missing_rate,
            "milestones": milestones,
            "today": today,
            "lots": lots,
            "package": package,
            "document_kinds": [(key, gettext(text)) for key, text in DOCUMENT_KINDS.items()],
            "document_types": document_files["types"],
            "document_accept": document_files["accept"],
            "photo_types": photo_files["types"],
            "photo_accept": photo_files["accept"],
            "upload_limit": human_size(settings.max_upload_bytes),
            "opening": opening,
            "opened": opened,
            "opening_photos": opening_photos,
            "show_opening_form": is_leader and not opened,
            "opening_form": form_for("opening", values={"opened_on": "", "note": ""}),
            "failed": failed,
        },
        status_code=failed["status_code"] if failed else 200,
    )


async def lot_of_project(project_id: int, lot_id: int, user: CurrentUser) -> dict[str, Any]:
    """The lot, if it belongs to this project and the user may see the project; 404 otherwise."""
    lot = await get_lot(lot_id=lot_id, user=user)
    if lot["project"] != project_id:
        raise NotFound(gettext("There is no such lot."))
    return lot


async def _submit(
    request: Request,
    settings: Settings,
    project_id: int,
    action: Callable[[CurrentUser], Awaitable[Any]],
    *,
    form: tuple[str, dict[str, str], dict[str, str]],
    lot_id: int | None = None,
) -> Template | Redirect:
    """Runs ``action`` for the signed-in user on the project (on its lot ``lot_id``, 404 unless the user may see
    it); back to the page at the lot (or the opening) when it went through, else the page again with ``form``
    (its anchor, its fields by the service's names, its values as sent) and the message."""
    user = require_user(request)
    if lot_id is None:
        await get_project(project_id=project_id, user=user)
    else:
        await lot_of_project(project_id, lot_id, user)
    anchor, fields, values = form
    try:
        await action(user)
    except DomainError as failure:
        failed = failed_form(anchor, failure, fields, values, lot_id)
        return await render_page(request, settings, project_id, failed=failed)
    back = f"lot-{lot_id}" if lot_id is not None else anchor
    return Redirect(f"/projects/{project_id}#{back}", status_code=303)


class ProjectPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/projects/{project_id:int}")
    async def page(self, request: Request, settings: Settings, project_id: int) -> Template:
        return await render_page(request, settings, project_id)

    @get("/projects/{project_id:int}/ocds.json")
    async def ocds(self, request: Request, project_id: int) -> Response[dict[str, Any]]:
        """The OCDS release package for a signed-in browser (the API's twin takes bearer tokens)."""
        detail = await project_detail(project_id=project_id, user=require_user(request))
        package = release_package(detail, base_url=f"{request.url.scheme}://{request.url.netloc}")
        return Response(
            package, headers={"Content-Disposition": f'attachment; filename="project-{project_id}-ocds.json"'}
        )

    @post("/projects/{project_id:int}/lots/{lot_id:int}/documents", status_code=303)
    async def upload(
        self, request: Request, storage: Storage, settings: Settings, project_id: int, lot_id: int, data: MultipartForm
    ) -> Template | Redirect:
        kind = single(data.get("kind"))
        file = upload(data.get("file"))

        async def attach(user: CurrentUser) -> None:
            if kind not in DOCUMENT_KINDS:
                raise InvalidInput(
                    gettext("Choose what the file is: an acceptance act, a delivery photo or another document."),
                    extra={"field": "kind"},
                )
            if file is None:
                raise InvalidInput(gettext("Choose a file to upload."), extra={"field": "file"})
            context = uploading(request, storage, settings)
            await attach_lot_document(
                lot_id=lot_id, kind=kind, filename=file.filename, data=await file.read(), **context
            )

        form = (f"lot-{lot_id}-document", DOCUMENT_FIELDS, {"kind": kind})
        return await _submit(request, settings, project_id, attach, form=form, lot_id=lot_id)

    @post("/projects/{project_id:int}/lots/{lot_id:int}/deliveries", status_code=303)
    async def delivery(
        self, request: Request, settings: Settings, project_id: int, lot_id: int, data: Form
    ) -> Template | Redirect:
        values = texts(data or {}, ("delivered_on", "quantity", "note"))

        async def record(user: CurrentUser) -> None:
            quantity = values["quantity"] or "0"
            if not quantity.isdigit():
                raise InvalidInput(
                    gettext("The quantity must be a whole number, zero or more."), extra={"field": "quantity"}
                )
            delivery = {"delivered_on": values["delivered_on"], "quantity": int(quantity), "note": values["note"]}
            await add_delivery(lot_id=lot_id, data=delivery, user=user, actor=user.actor(client_address(request)))

        form = (f"lot-{lot_id}-delivery", DELIVERY_FIELDS, values)
        return await _submit(request, settings, project_id, record, form=form, lot_id=lot_id)

    @post("/projects/{project_id:int}/opening", status_code=303)
    async def opening(
        self, request: Request, storage: Storage, settings: Settings, project_id: int, data: MultipartForm
    ) -> Template | Redirect:
        values = texts(data, ("opened_on", "note"))
        photo = upload(data.get("photo"))

        async def report(_user: CurrentUser) -> None:
            photo_file = (photo.filename, await photo.read()) if photo else None
            await report_opening(
                project_id=project_id,
                opened_on=values["opened_on"],
                note=values["note"],
                photo=photo_file,
                **uploading(request, storage, settings),
            )

        return await _submit(request, settings, project_id, report, form=("opening", OPENING_FIELDS, values))
