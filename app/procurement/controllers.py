from __future__ import annotations

import datetime
import os
import tempfile
from typing import Annotated

from litestar import Controller, Request, get, patch, post, put
from litestar.background_tasks import BackgroundTask
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import File
from litestar.status_codes import HTTP_201_CREATED

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.platform.errors import InvalidInput
from app.platform.i18n import _
from app.platform.settings import Settings
from app.platform.storage import Storage
from app.procurement import services
from app.procurement.ocds import release_package
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
    _fields,
    dashboard_out,
    lot_out,
    project_out,
)
from app.site.controllers import DocumentOut, document_out

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_day(value: str | None, field: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a date such as 2027-03-31.", field=field), extra={"field": field}
        ) from None


class ProcurementApi(Controller):
    path = "/api/v1"
    tags = ["procurement"]

    @get("/projects", guards=[signed_in], summary="Winners' projects (staff: all; a leader: their hromada's)")
    async def list_projects(self, request: Request, round: int | None = None) -> list[ProjectSummary]:
        rows = await services.list_projects(user=require_user(request), round_id=round)
        return [ProjectSummary(**_fields(ProjectSummary, r)) for r in rows]

    @get("/projects/{project_id:int}", guards=[signed_in], summary="A project: package, lots, milestones, totals")
    async def get_project(self, request: Request, project_id: int, as_of: str | None = None) -> ProjectOut:
        detail = await services.project_detail(
            project_id=project_id, user=require_user(request), today=parse_day(as_of, "as_of")
        )
        return project_out(detail)

    @put("/projects/{project_id:int}/package", guards=[staff_only], summary="Compose the support package")
    async def set_package(self, request: Request, project_id: int, data: PackageIn) -> list[PackageItemOut]:
        user = require_user(request)
        rows = await services.set_package(
            project_id=project_id, items=data.items, user=user, actor=user.actor(client_address(request))
        )
        return [PackageItemOut(**_fields(PackageItemOut, r)) for r in rows]

    @post(
        "/projects/{project_id:int}/lots",
        guards=[staff_only],
        status_code=HTTP_201_CREATED,
        summary="Add a procurement lot",
    )
    async def create_lot(self, request: Request, project_id: int, data: LotIn) -> LotOut:
        user = require_user(request)
        lot = await services.create_lot(
            project_id=project_id,
            data={k: getattr(data, k) for k in data.__struct_fields__},
            user=user,
            actor=user.actor(client_address(request)),
        )
        return lot_out(lot)

    @get("/lots/{lot_id:int}", guards=[signed_in], summary="A lot")
    async def get_lot(self, request: Request, lot_id: int) -> LotOut:
        return lot_out(await services.get_lot(lot_id=lot_id, user=require_user(request)))

    @patch(
        "/lots/{lot_id:int}",
        guards=[staff_only],
        summary="Edit a lot or move it one state on (status, prozorro_id, supplier, contract, ...)",
    )
    async def update_lot(self, request: Request, lot_id: int, data: dict[str, object]) -> LotOut:
        user = require_user(request)
        lot = await services.update_lot(
            lot_id=lot_id, changes=dict(data), user=user, actor=user.actor(client_address(request))
        )
        return lot_out(lot)

    @post(
        "/lots/{lot_id:int}/deliveries", guards=[signed_in], status_code=HTTP_201_CREATED, summary="Record a delivery"
    )
    async def add_delivery(self, request: Request, lot_id: int, data: DeliveryIn) -> DeliveryOut:
        user = require_user(request)
        row = await services.add_delivery(
            lot_id=lot_id,
            data={k: getattr(data, k) for k in data.__struct_fields__},
            user=user,
            actor=user.actor(client_address(request)),
        )
        return DeliveryOut(**_fields(DeliveryOut, row))

    @post(
        "/lots/{lot_id:int}/documents",
        guards=[signed_in],
        status_code=HTTP_201_CREATED,
        summary="Attach an acceptance document or photo to a lot",
    )
    async def lot_document(
        self,
        request: Request,
        storage: Storage,
        settings: Settings,
        lot_id: int,
        data: Annotated[DocumentUploadIn, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> DocumentOut:
        user = require_user(request)
        row = await services.attach_lot_document(
            lot_id=lot_id,
            kind=data.kind,
            filename=data.file.filename,
            data=await data.file.read(),
            user=user,
            actor=user.actor(client_address(request)),
            storage=storage,
            max_bytes=settings.max_upload_bytes,
        )
        return document_out(row)

    @put(
        "/projects/{project_id:int}/milestones/{key:str}",
        guards=[signed_in],
        summary="Set a milestone's status (OCDS: scheduled, met, notMet, partiallyMet)",
    )
    async def set_milestone(self, request: Request, project_id: int, key: str, data: MilestoneIn) -> list[MilestoneOut]:
        user = require_user(request)
        payload = {k: getattr(data, k) for k in data.__struct_fields__ if k != "due_date" or data.due_date}
        rows = await services.set_milestone(
            project_id=project_id, key=key, data=payload, user=user, actor=user.actor(client_address(request))
        )
        return [MilestoneOut(**_fields(MilestoneOut, m)) for m in rows]

    @post(
        "/projects/{project_id:int}/opening",
        guards=[signed_in],
        status_code=200,
        summary="Report the opening of the centre, with a photo",
    )
    async def report_opening(
        self,
        request: Request,
        storage: Storage,
        settings: Settings,
        project_id: int,
        data: Annotated[OpeningIn, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ProjectOut:
        user = require_user(request)
        photo = (data.photo.filename, await data.photo.read()) if data.photo else None
        detail = await services.report_opening(
            project_id=project_id,
            opened_on=data.opened_on,
            note=data.note,
            photo=photo,
            user=user,
            actor=user.actor(client_address(request)),
            storage=storage,
            max_bytes=settings.max_upload_bytes,
        )
        return project_out(detail)

    @get("/dashboard", guards=[staff_only], summary="Stages, overdue milestones and money per oblast")
    async def dashboard(
        self, round: int | None = None, programme: int | None = None, as_of: str | None = None
    ) -> DashboardOut:
        data = await services.dashboard(round_id=round, programme_id=programme, today=parse_day(as_of, "as_of"))
        return dashboard_out(data)

    @get("/projects/{project_id:int}/ocds.json", guards=[signed_in], summary="The project as an OCDS release package")
    async def ocds(self, request: Request, project_id: int) -> dict[str, object]:
        detail = await services.project_detail(project_id=project_id, user=require_user(request))
        base = f"{request.url.scheme}://{request.url.netloc}"
        return release_package(detail, base_url=base)

    @get("/projects.xlsx", guards=[staff_only], media_type=XLSX, summary="Projects, lots and milestones as XLSX")
    async def export(self, round: int | None = None) -> File:
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
        handle.close()
        await services.export_workbook(round_id=round, path=handle.name)
        return File(
            path=handle.name,
            filename="projects.xlsx",
            media_type=XLSX,
            background=BackgroundTask(os.unlink, handle.name),
        )

    @get("/catalogue", guards=[signed_in], summary="The catalogue of support items")
    async def catalogue(self) -> list[CatalogueItemOut]:
        return [CatalogueItemOut(**_fields(CatalogueItemOut, r)) for r in await services.list_catalogue()]

    @post("/catalogue", guards=[staff_only], status_code=HTTP_201_CREATED, summary="Add a catalogue item")
    async def add_item(self, request: Request, data: CatalogueItemIn) -> CatalogueItemOut:
        user = require_user(request)
        row = await services.add_catalogue_item(
            data={k: getattr(data, k) for k in data.__struct_fields__}, actor=user.actor(client_address(request))
        )
        return CatalogueItemOut(**_fields(CatalogueItemOut, row))

    @put("/exchange-rates/{on_date:str}", guards=[staff_only], summary="Set the EUR/UAH rate of a day")
    async def set_rate(self, request: Request, on_date: str, data: RateIn) -> RateOut:
        user = require_user(request)
        row = await services.set_rate(
            on_date=on_date, uah_per_eur=data.uah_per_eur, actor=user.actor(client_address(request))
        )
        return RateOut(**row)

    @put(
        "/rounds/{round_id:int}/procurement",
        guards=[staff_only],
        summary="Set how far a contract may exceed its lot's estimate without confirmation",
    )
    async def set_tolerance(self, request: Request, round_id: int, data: ToleranceIn) -> ToleranceIn:
        user = require_user(request)
        await services.set_tolerance(
            round_id=round_id, percent=data.tolerance_percent, actor=user.actor(client_address(request))
        )
        return data
