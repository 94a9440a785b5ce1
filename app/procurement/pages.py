"""The project page that a winning hromada's leader and programme staff open: the money, the milestones as a
timeline, the lots with their deliveries and documents, and the report of the opening.

Server-rendered, plain forms and 303 redirects; a refused form re-renders the page with the message next to
the form and the error's status code. Controllers only parse, call one service and render.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template

from app.accounts.auth import client_address, require_user, signed_in
from app.accounts.services import CurrentUser
from app.applications.pages import FILE_ACCEPT
from app.platform.documents import DEFAULT_ALLOWED_TYPES, IMAGE_TYPES, human_size
from app.platform.errors import DomainError, InvalidInput, NotFound
from app.platform.i18n import N_, get_locale, gettext, pick
from app.platform.settings import Settings
from app.platform.storage import Storage
from app.procurement import services
from app.procurement.money import format_amount
from app.procurement.ocds import release_package

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)
MultipartBody = Body(media_type=RequestEncodingType.MULTI_PART)

STAGE_LABELS = {
    "selected": N_("Winner selected"),
    "contracted": N_("Contracts signed"),
    "delivered": N_("Goods delivered"),
    "opened": N_("Centre opened"),
}
STAGE_BADGES = {"opened": "ok", "delivered": "ok"}
CATEGORY_LABELS = {
    "furniture": N_("Furniture"),
    "it_equipment": N_("IT equipment"),
    "queue_system": N_("Electronic queue system"),
    "mobile_asc": N_("Mobile ASC"),
    "software": N_("Software"),
    "training": N_("Training"),
}
METHOD_LABELS = {
    "programme": N_("Bought by the programme"),
    "prozorro": N_("Bought by the hromada through Prozorro"),
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
LOT_STATUS_BADGES = {"accepted": "ok", "cancelled": "bad"}
DOCUMENT_KINDS = {
    "acceptance_act": N_("Acceptance act"),
    "delivery_photo": N_("Delivery photo"),
    "other": N_("Other document"),
}
MILESTONE_STATUS_LABELS = {
    "scheduled": N_("Scheduled"),
    "met": N_("Met"),
    "partiallyMet": N_("Partly met"),
    "notMet": N_("Not met"),
}
MILESTONE_MARKERS = {"met": "✓", "partiallyMet": "◐", "notMet": "✗", "scheduled": "○", "overdue": "!"}
DELIVERABLE = ("contracted", "delivered")
OPENING_PHOTO = "opening_photo"
# A service names the field it refuses; the page shows the message next to the form's own field.
DOCUMENT_FIELDS = {"kind": "kind", "file": "file"}
DELIVERY_FIELDS = {"delivered_on": "delivered_on", "quantity": "quantity", "note": "note"}
OPENING_FIELDS = {"opened_on": "opened_on", "date_met": "opened_on", "file": "photo", "photo": "photo", "note": "note"}


def label(labels: dict[str, str], key: str) -> str:
    return gettext(labels[key]) if key in labels else key


def money(minor: int | None, currency: str) -> str:
    if minor is None or not currency:
        return "—"
    return format_amount(minor, currency, get_locale())


def _single(value: Any) -> str:
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "" if value is None or isinstance(value, UploadFile) else str(value)


def _upload(value: Any) -> UploadFile | None:
    if isinstance(value, list):
        value = value[-1] if value else None
    return value if isinstance(value, UploadFile) and value.filename else None


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
        "status_label": label(MILESTONE_STATUS_LABELS, status),
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


async def render_page(
    request: Request,
    settings: Settings,
    project_id: int,
    *,
    failed: dict[str, Any] | None = None,
) -> Template:
    user = require_user(request)
    today = services.kyiv_today()
    detail = await services.project_detail(project_id=project_id, user=user, today=today)
    project = detail["project"]
    documents = await services.project_documents(project_id, [lot["id"] for lot in detail["lots"]])
    is_leader = user.role == "applicant"

    lot_documents: dict[int, list[dict[str, Any]]] = {}
    opening_photos = []
    for document in documents:
        if document["owner_type"] == "lot":
            lot_documents.setdefault(document["owner_id"], []).append(document_view(document))
        elif document["kind"] == OPENING_PHOTO:
            opening_photos.append(document_view(document))

    def form_for(anchor: str, lot_id: int | None = None, values: dict[str, str] | None = None) -> dict[str, Any]:
        if failed and failed["id"] == anchor:
            return failed
        return _form(anchor, values)

    lots = []
    for lot in detail["lots"]:
        lots.append(
            {
                **lot,
                "category_label": label(CATEGORY_LABELS, lot["category"]),
                "method_label": label(METHOD_LABELS, lot["method"]),
                "status_label": label(LOT_STATUS_LABELS, lot["status"]),
                "status_badge": LOT_STATUS_BADGES.get(lot["status"], ""),
                "estimate": money(lot["estimate_minor"], lot["currency"]),
                "contract_value": money(lot["contract_value_minor"], lot["contract_currency"]),
                "item_rows": [
                    {**item, "estimate": money(item["estimate_minor"], lot["currency"])} for item in lot["items"]
                ],
                "documents": lot_documents.get(lot["id"], []),
                "can_upload": lot["status"] != "cancelled",
                "can_deliver": is_leader and lot["status"] in DELIVERABLE,
                "document_form": form_for(f"lot-{lot['id']}-document", values={"kind": "acceptance_act"}),
                "delivery_form": form_for(f"lot-{lot['id']}-delivery", values={"delivered_on": today.isoformat()}),
            }
        )

    milestones = [milestone_view(m, today) for m in detail["milestones"]]
    opening = next((m for m in milestones if m["key"] == "asc_opened"), None)
    opened = opening is not None and opening["status"] == "met"
    totals = detail["totals"]
    missing_rate = any(totals[kind][currency] is None for kind in totals for currency in totals[kind])
    package = [
        {
            **row,
            "name": pick(row["name_uk"], row["name_en"]),
            "category_label": label(CATEGORY_LABELS, row["category"]),
            "unit_price": money(row["unit_price_minor"], row["currency"]),
        }
        for row in detail["package"]
    ]
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
            "stage_label": label(STAGE_LABELS, detail["stage"]),
            "stage_badge": STAGE_BADGES.get(detail["stage"], ""),
            "totals": [
                {
                    "key": kind,
                    "label": gettext(title),
                    "uah": money(totals[kind]["UAH"], "UAH"),
                    "eur": money(totals[kind]["EUR"], "EUR"),
                }
                for kind, title in (
                    ("planned", N_("Planned")),
                    ("contracted", N_("Contracted")),
                    ("accepted", N_("Accepted")),
                )
            ],
            "missing_rate": missing_rate,
            "milestones": milestones,
            "today": today,
            "lots": lots,
            "package": package,
            "document_kinds": [(key, gettext(text)) for key, text in DOCUMENT_KINDS.items()],
            "document_types": ", ".join(t.upper() for t in DEFAULT_ALLOWED_TYPES),
            "document_accept": ",".join(FILE_ACCEPT.get(t, "." + t) for t in DEFAULT_ALLOWED_TYPES),
            "photo_types": ", ".join(t.upper() for t in IMAGE_TYPES),
            "photo_accept": ",".join(FILE_ACCEPT.get(t, "." + t) for t in IMAGE_TYPES),
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
    lot = await services.get_lot(lot_id=lot_id, user=user)
    if lot["project"] != project_id:
        raise NotFound(gettext("There is no such lot."))
    return lot


class ProjectPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/projects/{project_id:int}")
    async def page(self, request: Request, settings: Settings, project_id: int) -> Template:
        return await render_page(request, settings, project_id)

    @get("/projects/{project_id:int}/ocds.json")
    async def ocds(self, request: Request, project_id: int) -> Response[dict[str, Any]]:
        """The OCDS release package for a signed-in browser (the API's twin takes bearer tokens)."""
        detail = await services.project_detail(project_id=project_id, user=require_user(request))
        package = release_package(detail, base_url=f"{request.url.scheme}://{request.url.netloc}")
        return Response(
            package, headers={"Content-Disposition": f'attachment; filename="project-{project_id}-ocds.json"'}
        )

    @post("/projects/{project_id:int}/lots/{lot_id:int}/documents", status_code=303)
    async def upload(
        self,
        request: Request,
        storage: Storage,
        settings: Settings,
        project_id: int,
        lot_id: int,
        data: Annotated[dict[str, Any], MultipartBody],
    ) -> Template | Redirect:
        user = require_user(request)
        await lot_of_project(project_id, lot_id, user)
        kind = _single(data.get("kind"))
        upload = _upload(data.get("file"))
        try:
            if kind not in DOCUMENT_KINDS:
                raise InvalidInput(
                    gettext("Choose what the file is: an acceptance act, a delivery photo or another document."),
                    extra={"field": "kind"},
                )
            if upload is None:
                raise InvalidInput(gettext("Choose a file to upload."), extra={"field": "file"})
            await services.attach_lot_document(
                lot_id=lot_id,
                kind=kind,
                filename=upload.filename,
                data=await upload.read(),
                user=user,
                actor=user.actor(client_address(request)),
                storage=storage,
                max_bytes=settings.max_upload_bytes,
            )
        except DomainError as failure:
            form = failed_form(f"lot-{lot_id}-document", failure, DOCUMENT_FIELDS, {"kind": kind}, lot_id)
            return await render_page(request, settings, project_id, failed=form)
        return Redirect(f"/projects/{project_id}#lot-{lot_id}", status_code=303)

    @post("/projects/{project_id:int}/lots/{lot_id:int}/deliveries", status_code=303)
    async def delivery(
        self,
        request: Request,
        settings: Settings,
        project_id: int,
        lot_id: int,
        data: Annotated[dict[str, Any], FormBody],
    ) -> Template | Redirect:
        user = require_user(request)
        await lot_of_project(project_id, lot_id, user)
        values = {key: _single((data or {}).get(key)).strip() for key in ("delivered_on", "quantity", "note")}
        try:
            quantity_text = values["quantity"] or "0"
            if not quantity_text.isdigit():
                raise InvalidInput(
                    gettext("The quantity must be a whole number, zero or more."), extra={"field": "quantity"}
                )
            await services.add_delivery(
                lot_id=lot_id,
                data={"delivered_on": values["delivered_on"], "quantity": int(quantity_text), "note": values["note"]},
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as failure:
            form = failed_form(f"lot-{lot_id}-delivery", failure, DELIVERY_FIELDS, values, lot_id)
            return await render_page(request, settings, project_id, failed=form)
        return Redirect(f"/projects/{project_id}#lot-{lot_id}", status_code=303)

    @post("/projects/{project_id:int}/opening", status_code=303)
    async def opening(
        self,
        request: Request,
        storage: Storage,
        settings: Settings,
        project_id: int,
        data: Annotated[dict[str, Any], MultipartBody],
    ) -> Template | Redirect:
        user = require_user(request)
        await services.get_project(project_id=project_id, user=user)
        values = {"opened_on": _single(data.get("opened_on")).strip(), "note": _single(data.get("note")).strip()}
        upload = _upload(data.get("photo"))
        try:
            await services.report_opening(
                project_id=project_id,
                opened_on=values["opened_on"],
                note=values["note"],
                photo=(upload.filename, await upload.read()) if upload else None,
                user=user,
                actor=user.actor(client_address(request)),
                storage=storage,
                max_bytes=settings.max_upload_bytes,
            )
        except DomainError as failure:
            form = failed_form("opening", failure, OPENING_FIELDS, values)
            return await render_page(request, settings, project_id, failed=form)
        return Redirect(f"/projects/{project_id}#opening", status_code=303)
