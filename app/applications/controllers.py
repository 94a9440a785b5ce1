from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import File, Response, Stream
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.applications import services
from app.applications.schemas import (
    ApplicationCreate,
    ApplicationOut,
    ApplicationPage,
    ApplicationPatch,
    DocumentRef,
    DocumentUploadIn,
    EligibilityCheckIn,
    ProgrammeIn,
    ProgrammeOut,
    RoundCreate,
    RoundOut,
    ScreeningIn,
    VerdictOut,
    application_out,
    document_ref,
    round_out,
    verdict_out,
)
from app.platform.documents import read_document
from app.platform.downloads import DOCUMENT_TYPES, attachment
from app.platform.i18n import get_locale
from app.platform.storage import Storage


async def application_response(row: dict[str, Any]) -> ApplicationOut:
    return application_out(row, await services.application_documents(row["id"]))


def csv_stream(rows: Iterator[list[Any]], filename: str) -> Stream:
    def lines() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff".encode()
        for row in rows:
            writer.writerow(row)
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()

    return Stream(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def xlsx_file(header: list[str], rows: list[list[Any]], filename: str, title: str) -> File:
    workbook, sheet = _xlsx_sheet(header, title)
    for row in rows:
        sheet.append(row)
    return _xlsx_response(workbook, filename)


async def xlsx_stream(header: list[str], batches: AsyncIterator[list[list[Any]]], filename: str, title: str) -> File:
    """An XLSX written batch by batch: openpyxl's write-only sheet puts each row on disk as it is appended, so
    neither the rows nor the file are ever all in memory; the file is sent from disk, then deleted."""
    workbook, sheet = _xlsx_sheet(header, title)
    async for batch in batches:
        for row in batch:
            sheet.append(row)
    return _xlsx_response(workbook, filename)


def _xlsx_sheet(header: list[str], title: str) -> tuple[Any, Any]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet")
    sheet.append(header)
    return workbook, sheet


def _xlsx_response(workbook: Any, filename: str) -> File:
    """The workbook saved to a temporary file, sent from disk and deleted once sent."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    workbook.save(handle.name)
    return File(
        path=handle.name,
        filename=filename,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(os.unlink, handle.name),
    )


class ProgrammeApi(Controller):
    path = "/api/v1/programmes"
    tags = ["rounds"]

    @get("/", guards=[signed_in], summary="Donor programmes")
    async def list_programmes(self) -> list[ProgrammeOut]:
        return [ProgrammeOut(**p) for p in await services.list_programmes()]

    @post("/", guards=[staff_only], status_code=HTTP_201_CREATED, summary="Add a programme (staff)")
    async def create_programme(self, request: Request, data: ProgrammeIn) -> ProgrammeOut:
        user = require_user(request)
        created = await services.create_programme(
            code=data.code, name_uk=data.name_uk, name_en=data.name_en, actor=user.actor(client_address(request))
        )
        return ProgrammeOut(**created)

    @get(
        "/{code:str}/applications.xlsx",
        guards=[staff_only],
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        summary="Every application of every round of a programme, with its round and verdict, as XLSX (staff)",
    )
    async def applications_xlsx(self, request: Request, code: str) -> File:
        header, batches = await services.export_stream(
            programme_code=code, user=require_user(request), locale=get_locale()
        )
        return await xlsx_stream(header, batches, f"{code}-applications.xlsx", code)


class RoundApi(Controller):
    path = "/api/v1/rounds"
    tags = ["rounds"]

    @post("/", guards=[staff_only], status_code=HTTP_201_CREATED, summary="Create a round (staff)")
    async def create(self, request: Request, data: RoundCreate) -> RoundOut:
        user = require_user(request)
        payload = {k: getattr(data, k) for k in data.__struct_fields__ if getattr(data, k) is not None}
        return round_out(await services.create_round(data=payload, actor=user.actor(client_address(request))))

    @get("/", guards=[signed_in], summary="Rounds (drafts only for staff)")
    async def list_rounds(self, request: Request, status: str = "") -> list[RoundOut]:
        return [round_out(r) for r in await services.list_rounds(user=require_user(request), status=status)]

    @get("/{round_id:int}", guards=[signed_in], summary="One round")
    async def get_round(self, request: Request, round_id: int) -> RoundOut:
        return round_out(await services.visible_round(round_id, require_user(request)))

    @patch("/{round_id:int}", guards=[staff_only], summary="Edit a round (staff)")
    async def update(self, request: Request, round_id: int, data: dict[str, Any]) -> RoundOut:
        user = require_user(request)
        return round_out(
            await services.update_round(round_id=round_id, changes=data, actor=user.actor(client_address(request)))
        )

    @post("/{round_id:int}/open", guards=[staff_only], status_code=200, summary="Open a round for applications")
    async def open(self, request: Request, round_id: int) -> RoundOut:
        user = require_user(request)
        return round_out(
            await services.transition_round(round_id=round_id, to="open", actor=user.actor(client_address(request)))
        )

    @post("/{round_id:int}/close", guards=[staff_only], status_code=200, summary="Close a round")
    async def close(self, request: Request, round_id: int) -> RoundOut:
        user = require_user(request)
        return round_out(
            await services.transition_round(round_id=round_id, to="closed", actor=user.actor(client_address(request)))
        )

    @post(
        "/{round_id:int}/status",
        guards=[staff_only],
        status_code=200,
        summary="Move a round to another state (under_review, decided, archived)",
    )
    async def move(self, request: Request, round_id: int, data: dict[str, str]) -> RoundOut:
        user = require_user(request)
        return round_out(
            await services.transition_round(
                round_id=round_id, to=str(data.get("status", "")), actor=user.actor(client_address(request))
            )
        )

    @post(
        "/{round_id:int}/eligibility-check",
        guards=[signed_in],
        status_code=200,
        summary="The eligibility verdict for a hromada, without filing anything",
    )
    async def eligibility_check(self, request: Request, round_id: int, data: EligibilityCheckIn) -> VerdictOut:
        verdict = await services.eligibility_check(
            round_id=round_id,
            hromada_code=data.hromada_code,
            answers=data.answers,
            user=require_user(request),
            document_kinds=data.documents,
        )
        return verdict_out(verdict)

    @get(
        "/{round_id:int}/eligibility.csv",
        guards=[staff_only],
        media_type="text/csv",
        summary="Every hromada of the registry with its verdict by the round's registry rules (staff)",
    )
    async def eligibility_csv(self, request: Request, round_id: int) -> Stream:
        rows = await services.eligibility_rows(round_id=round_id, user=require_user(request), locale=get_locale())
        return csv_stream(rows, f"round-{round_id}-eligibility.csv")

    @post(
        "/{round_id:int}/applications",
        guards=[signed_in],
        status_code=HTTP_201_CREATED,
        summary="Start a draft application for your hromada",
    )
    async def apply(self, request: Request, round_id: int, data: ApplicationCreate) -> ApplicationOut:
        user = require_user(request)
        row = await services.create_application(
            round_id=round_id,
            hromada_code=data.hromada_code,
            answers=data.answers,
            user=user,
            actor=user.actor(client_address(request)),
        )
        return await application_response(row)

    @get("/{round_id:int}/applications", guards=[staff_only], summary="A round's applications (staff)")
    async def applications(
        self,
        request: Request,
        round_id: int,
        status: str = "",
        oblast: str = "",
        q: str = "",
        eligible: str = "",
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        offset: Annotated[int, Parameter(ge=0)] = 0,
    ) -> ApplicationPage:
        rows, total = await services.list_applications(
            round_id=round_id,
            user=require_user(request),
            status=status,
            oblast=oblast,
            q=q,
            eligible=eligible,
            limit=limit,
            offset=offset,
        )
        return ApplicationPage(total=total, items=[application_out(r, []) for r in rows])

    @get(
        "/{round_id:int}/applications.csv",
        guards=[staff_only],
        media_type="text/csv",
        summary="A round's applications with their verdicts, as CSV (staff)",
    )
    async def applications_csv(self, request: Request, round_id: int) -> Stream:
        meta, rows = await services.export_rows(round_id=round_id, user=require_user(request), locale=get_locale())
        return csv_stream(iter([meta["header"], *rows]), f"round-{round_id}-applications.csv")

    @get(
        "/{round_id:int}/applications.xlsx",
        guards=[staff_only],
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        summary="A round's applications with their verdicts, as XLSX (staff)",
    )
    async def applications_xlsx(self, request: Request, round_id: int) -> File:
        header, batches = await services.export_stream(
            round_id=round_id, user=require_user(request), locale=get_locale()
        )
        return await xlsx_stream(header, batches, f"round-{round_id}-applications.xlsx", f"Round {round_id}")


class ApplicationApi(Controller):
    path = "/api/v1/applications"
    tags = ["applications"]
    guards = [signed_in]

    @get("/{application_id:int}", summary="An application (its hromada's leader, staff)")
    async def get_application(self, request: Request, application_id: int) -> ApplicationOut:
        row = await services.get_application(application_id=application_id, user=require_user(request))
        return await application_response(row)

    @patch("/{application_id:int}", summary="Save answers of a draft (merged; every save is a revision)")
    async def update(self, request: Request, application_id: int, data: ApplicationPatch) -> ApplicationOut:
        user = require_user(request)
        row = await services.save_answers(
            application_id=application_id, answers=data.answers, user=user, actor=user.actor(client_address(request))
        )
        return await application_response(row)

    @post(
        "/{application_id:int}/documents",
        status_code=HTTP_201_CREATED,
        summary="Upload a document of a kind the round asks for (replaces the earlier one of that kind)",
    )
    async def upload(
        self,
        request: Request,
        storage: Storage,
        application_id: int,
        data: Annotated[DocumentUploadIn, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> DocumentRef:
        user = require_user(request)
        content = await data.file.read()
        row = await services.add_document(
            application_id=application_id,
            kind=data.kind,
            filename=data.file.filename,
            data=content,
            user=user,
            actor=user.actor(client_address(request)),
            storage=storage,
        )
        return document_ref(application_id, row)

    @get(
        "/{application_id:int}/documents/{document_id:int}",
        media_type="application/octet-stream",
        summary="Download a document of the application",
        opt={"content_types": DOCUMENT_TYPES},
    )
    async def download(self, request: Request, storage: Storage, application_id: int, document_id: int) -> Response:
        user = require_user(request)
        await services.get_application_document(application_id=application_id, document_id=document_id, user=user)
        from app.accounts.services.users import uploader

        document, content = await read_document(storage=storage, document_id=document_id, user=uploader(user))
        return attachment(document, content)

    @delete(
        "/{application_id:int}/documents/{document_id:int}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a document from a draft",
    )
    async def remove(self, request: Request, storage: Storage, application_id: int, document_id: int) -> None:
        user = require_user(request)
        await services.delete_document(
            application_id=application_id,
            document_id=document_id,
            user=user,
            actor=user.actor(client_address(request)),
            storage=storage,
        )

    @post("/{application_id:int}/submit", status_code=200, summary="Submit: checks deadline, completeness, rules")
    async def submit(self, request: Request, application_id: int) -> ApplicationOut:
        user = require_user(request)
        row = await services.submit(application_id=application_id, user=user, actor=user.actor(client_address(request)))
        return await application_response(row)

    @post("/{application_id:int}/withdraw", status_code=200, summary="Withdraw before the deadline")
    async def withdraw(self, request: Request, application_id: int) -> ApplicationOut:
        user = require_user(request)
        row = await services.withdraw(
            application_id=application_id, user=user, actor=user.actor(client_address(request))
        )
        return await application_response(row)

    @post(
        "/{application_id:int}/screening",
        guards=[staff_only],
        status_code=200,
        summary="Screen: confirm the computed verdict or override it with a reason (staff)",
    )
    async def screen(self, request: Request, application_id: int, data: ScreeningIn) -> ApplicationOut:
        user = require_user(request)
        row = await services.screen(
            application_id=application_id,
            eligible=data.eligible,
            reason=data.reason,
            user=user,
            actor=user.actor(client_address(request)),
        )
        return await application_response(row)

    @get("/mine", summary="Your hromada's applications")
    async def mine(self, request: Request) -> list[ApplicationOut]:
        rows = await services.my_applications(user=require_user(request))
        return [application_out(r, []) for r in rows]
