"""The procurement JSON API under /api/v1: projects, packages, lots, deliveries, documents, milestones, the opening,
the dashboard, the OCDS release, the XLSX export, the catalogue, exchange rates and tolerances. Must not decide
a rule: each endpoint parses its body, calls one service and answers with its schema."""

from __future__ import annotations

import os
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.background_tasks import BackgroundTask
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import File
from litestar.status_codes import HTTP_201_CREATED

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.platform.audit import Actor
from app.platform.settings import Settings
from app.platform.storage import Storage
from app.procurement.schemas import (
    CatalogueItemIn,
    CatalogueItemOut,
    DashboardOut,
    DeliveryIn,
    DeliveryOut,
    DocumentUploadIn,
    LotIn,
    LotOut,
    MilestoneIn,
    MilestoneOut,
    OpeningIn,
    PackageIn,
    PackageItemOut,
    ProjectOut,
    ProjectSummary,
    RateIn,
    RateOut,
    ToleranceIn,
    dashboard_out,
    fields_of,
    lot_out,
    project_out,
)
from app.procurement.services import (
    catalogue,
    contracts,
    dashboard,
    deliveries,
    documents,
    export,
    lots,
    milestones,
    money,
    ocds,
    opening,
    overview,
    projects,
)
from app.procurement.services.inputs import parse_date
from app.site.schemas import DocumentOut, document_out

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(path: str, filename: str) -> File:
    """The workbook written at ``path`` as a download, removed once sent."""
    return File(path=path, filename=filename, media_type=XLSX, background=BackgroundTask(os.unlink, path))


def _actor(request: Request) -> Actor:
    return require_user(request).actor(client_address(request))


def _body(data: msgspec.Struct) -> dict[str, Any]:
    return msgspec.structs.asdict(data)


def uploading(request: Request, storage: Storage, settings: Settings) -> dict[str, Any]:
    """Who uploads, and where to and how much: the arguments that every upload service takes besides the file."""
    user = require_user(request)
    return {
        "user": user,
        "actor": user.actor(client_address(request)),
        "storage": storage,
        "max_bytes": settings.max_upload_bytes,
    }


DocumentUpload = Annotated[DocumentUploadIn, Body(media_type=RequestEncodingType.MULTI_PART)]
OpeningUpload = Annotated[OpeningIn, Body(media_type=RequestEncodingType.MULTI_PART)]


class ProcurementApi(Controller):
    path = "/api/v1"
    tags = ["procurement"]

    @get("/projects", guards=[signed_in], summary="Winners' projects (staff: all; a leader: their hromada's)")
    async def list_projects(self, request: Request, round: int | None = None) -> list[ProjectSummary]:
        rows = await projects.list_projects(user=require_user(request), round_id=round)
        return [ProjectSummary(**fields_of(ProjectSummary, r)) for r in rows]

    @get("/projects/{project_id:int}", guards=[signed_in], summary="A project: package, lots, milestones, totals")
    async def get_project(self, request: Request, project_id: int, as_of: str | None = None) -> ProjectOut:
        detail = await overview.project_detail(
            project_id=project_id, user=require_user(request), today=parse_date(as_of, "as_of")
        )
        return project_out(detail)

    @put("/projects/{project_id:int}/package", guards=[staff_only], summary="Compose the support package")
    async def set_package(self, request: Request, project_id: int, data: PackageIn) -> list[PackageItemOut]:
        user = require_user(request)
        rows = await projects.set_package(project_id=project_id, items=data.items, user=user, actor=_actor(request))
        return [PackageItemOut(**fields_of(PackageItemOut, r)) for r in rows]

    @post(
        "/projects/{project_id:int}/lots",
        guards=[staff_only],
        status_code=HTTP_201_CREATED,
        summary="Add a procurement lot",
    )
    async def create_lot(self, request: Request, project_id: int, data: LotIn) -> LotOut:
        lot = await lots.create_lot(
            project_id=project_id, data=_body(data), user=require_user(request), actor=_actor(request)
        )
        return lot_out(lot)

    @get("/lots/{lot_id:int}", guards=[signed_in], summary="A lot")
    async def get_lot(self, request: Request, lot_id: int) -> LotOut:
        return lot_out(await lots.get_lot(lot_id=lot_id, user=require_user(request)))

    @patch(
        "/lots/{lot_id:int}",
        guards=[staff_only],
        summary="Edit a lot or move it one state on (status, prozorro_id, supplier, contract, ...)",
    )
    async def update_lot(self, request: Request, lot_id: int, data: dict[str, object]) -> LotOut:
        lot = await lots.update_lot(
            lot_id=lot_id, changes=dict(data), user=require_user(request), actor=_actor(request)
        )
        return lot_out(lot)

    @post(
        "/lots/{lot_id:int}/deliveries", guards=[signed_in], status_code=HTTP_201_CREATED, summary="Record a delivery"
    )
    async def add_delivery(self, request: Request, lot_id: int, data: DeliveryIn) -> DeliveryOut:
        row = await deliveries.add_delivery(
            lot_id=lot_id, data=_body(data), user=require_user(request), actor=_actor(request)
        )
        return DeliveryOut(**fields_of(DeliveryOut, row))

    @post(
        "/lots/{lot_id:int}/documents",
        guards=[signed_in],
        status_code=HTTP_201_CREATED,
        summary="Attach an acceptance document or photo to a lot",
    )
    async def lot_document(
        self, request: Request, storage: Storage, settings: Settings, lot_id: int, data: DocumentUpload
    ) -> DocumentOut:
        file = data.file
        row = await documents.attach_lot_document(
            lot_id=lot_id,
            kind=data.kind,
            filename=file.filename,
            data=await file.read(),
            **uploading(request, storage, settings),
        )
        return document_out(row)

    @put(
        "/projects/{project_id:int}/milestones/{key:str}",
        guards=[signed_in],
        summary="Set a milestone's status (OCDS: scheduled, met, notMet, partiallyMet)",
    )
    async def set_milestone(self, request: Request, project_id: int, key: str, data: MilestoneIn) -> list[MilestoneOut]:
        payload = {k: v for k, v in _body(data).items() if k != "due_date" or v}
        rows = await milestones.set_milestone(
            project_id=project_id, key=key, data=payload, user=require_user(request), actor=_actor(request)
        )
        return [MilestoneOut(**fields_of(MilestoneOut, m)) for m in rows]

    @post(
        "/projects/{project_id:int}/opening",
        guards=[signed_in],
        status_code=200,
        summary="Report the opening of the centre, with a photo",
    )
    async def report_opening(
        self, request: Request, storage: Storage, settings: Settings, project_id: int, data: OpeningUpload
    ) -> ProjectOut:
        photo = (data.photo.filename, await data.photo.read()) if data.photo else None
        detail = await opening.report_opening(
            project_id=project_id,
            opened_on=data.opened_on,
            note=data.note,
            photo=photo,
            **uploading(request, storage, settings),
        )
        return project_out(detail)

    @get("/dashboard", guards=[staff_only], summary="Stages, overdue milestones and money per oblast")
    async def dashboard(
        self, round: int | None = None, programme: int | None = None, as_of: str | None = None
    ) -> DashboardOut:
        data = await dashboard.dashboard(round_id=round, programme_id=programme, today=parse_date(as_of, "as_of"))
        return dashboard_out(data)

    @get("/projects/{project_id:int}/ocds.json", guards=[signed_in], summary="The project as an OCDS release package")
    async def ocds(self, request: Request, project_id: int) -> dict[str, object]:
        detail = await overview.project_detail(project_id=project_id, user=require_user(request))
        return ocds.release_package(detail, base_url=f"{request.url.scheme}://{request.url.netloc}")

    @get("/projects.xlsx", guards=[staff_only], media_type=XLSX, summary="Projects, lots and milestones as XLSX")
    async def export(self, round: int | None = None) -> File:
        return xlsx_download(await export.export_to_file(round_id=round), "projects.xlsx")

    @get("/catalogue", guards=[signed_in], summary="The catalogue of support items")
    async def catalogue(self) -> list[CatalogueItemOut]:
        return [CatalogueItemOut(**fields_of(CatalogueItemOut, r)) for r in await catalogue.list_catalogue()]

    @post("/catalogue", guards=[staff_only], status_code=HTTP_201_CREATED, summary="Add a catalogue item")
    async def add_item(self, request: Request, data: CatalogueItemIn) -> CatalogueItemOut:
        row = await catalogue.add_catalogue_item(data=_body(data), actor=_actor(request))
        return CatalogueItemOut(**fields_of(CatalogueItemOut, row))

    @put("/exchange-rates/{on_date:str}", guards=[staff_only], summary="Set the EUR/UAH rate of a day")
    async def set_rate(self, request: Request, on_date: str, data: RateIn) -> RateOut:
        return RateOut(**await money.set_rate(on_date=on_date, uah_per_eur=data.uah_per_eur, actor=_actor(request)))

    @put(
        "/rounds/{round_id:int}/procurement",
        guards=[staff_only],
        summary="Set how far a contract may exceed its lot's estimate without confirmation",
    )
    async def set_tolerance(self, request: Request, round_id: int, data: ToleranceIn) -> ToleranceIn:
        await contracts.set_tolerance(round_id=round_id, percent=data.tolerance_percent, actor=_actor(request))
        return data
