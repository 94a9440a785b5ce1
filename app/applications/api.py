"""The JSON API of programmes, rounds and applications under /api/v1: thin controllers that parse the request,
call one service and answer with a schema. They decide nothing; the services do."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import File, Response, Stream
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.accounts.services.users import CurrentUser, uploader
from app.applications import downloads
from app.applications.schemas import (
    ApplicationCreate,
    ApplicationFilters,
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
    application_filters,
    application_out,
    document_ref,
    round_out,
    verdict_out,
)
from app.applications.services import documents, drafts, eligibility, rounds, screening, submission
from app.applications.services.applications import get_application, my_applications
from app.platform import audit
from app.platform.documents import read_document
from app.platform.downloads import DOCUMENT_TYPES, attachment
from app.platform.spreadsheets import XLSX_MEDIA_TYPE
from app.platform.storage import Storage


def _caller(request: Request) -> tuple[CurrentUser, audit.Actor]:
    """The signed-in user and the actor the audit log records for this request."""
    user = require_user(request)
    return user, user.actor(client_address(request))


# Summaries too long to stand in their route's one-line decorator.
_START_SUMMARY = "Start a draft application for your hromada"
_CHECK_SUMMARY = "The eligibility verdict for a hromada, without filing anything"
_ROUND_DOWNLOADS = {
    "eligibility.csv": "Every hromada of the registry with its verdict by the round's registry rules (staff)",
    "applications.csv": "A round's applications with their verdicts, as CSV (staff)",
    "applications.xlsx": "A round's applications with their verdicts, as XLSX (staff)",
}


def _round_download(name: str) -> Any:
    """The route of one of a round's spreadsheets (staff only), named as the file is."""
    media_type = XLSX_MEDIA_TYPE if name.endswith(".xlsx") else "text/csv"
    return get(f"/{{round_id:int}}/{name}", guards=[staff_only], media_type=media_type, summary=_ROUND_DOWNLOADS[name])


async def application_response(row: dict[str, Any]) -> ApplicationOut:
    return application_out(row, await documents.application_documents(row["id"]))


class ProgrammeApi(Controller):
    path = "/api/v1/programmes"
    tags = ["rounds"]

    @get("/", guards=[signed_in], summary="Donor programmes")
    async def list_programmes(self) -> list[ProgrammeOut]:
        return [ProgrammeOut(**p) for p in await rounds.list_programmes()]

    @post("/", guards=[staff_only], status_code=HTTP_201_CREATED, summary="Add a programme (staff)")
    async def create_programme(self, request: Request, data: ProgrammeIn) -> ProgrammeOut:
        _user, actor = _caller(request)
        created = await rounds.create_programme(code=data.code, name_uk=data.name_uk, name_en=data.name_en, actor=actor)
        return ProgrammeOut(**created)

    @get(
        "/{code:str}/applications.xlsx",
        guards=[staff_only],
        media_type=XLSX_MEDIA_TYPE,
        summary="Every application of every round of a programme, with its round and verdict, as XLSX (staff)",
    )
    async def applications_xlsx(self, request: Request, code: str) -> File:
        return await downloads.programme_applications_xlsx(require_user(request), code)


class RoundApi(Controller):
    path = "/api/v1/rounds"
    tags = ["rounds"]

    @post("/", guards=[staff_only], status_code=HTTP_201_CREATED, summary="Create a round (staff)")
    async def create(self, request: Request, data: RoundCreate) -> RoundOut:
        _user, actor = _caller(request)
        payload = {k: getattr(data, k) for k in data.__struct_fields__ if getattr(data, k) is not None}
        return round_out(await rounds.create_round(data=payload, actor=actor))

    @get("/", guards=[signed_in], summary="Rounds (drafts only for staff)")
    async def list_rounds(self, request: Request, status: str = "") -> list[RoundOut]:
        return [round_out(r) for r in await rounds.list_rounds(user=require_user(request), status=status)]

    @get("/{round_id:int}", guards=[signed_in], summary="One round")
    async def get_round(self, request: Request, round_id: int) -> RoundOut:
        return round_out(await rounds.visible_round(round_id, require_user(request)))

    @patch("/{round_id:int}", guards=[staff_only], summary="Edit a round (staff)")
    async def update(self, request: Request, round_id: int, data: dict[str, Any]) -> RoundOut:
        _user, actor = _caller(request)
        return round_out(await rounds.update_round(round_id=round_id, changes=data, actor=actor))

    async def _move(self, request: Request, round_id: int, to: str) -> RoundOut:
        _user, actor = _caller(request)
        return round_out(await rounds.transition_round(round_id=round_id, to=to, actor=actor))

    @post("/{round_id:int}/open", guards=[staff_only], status_code=200, summary="Open a round for applications")
    async def open(self, request: Request, round_id: int) -> RoundOut:
        return await self._move(request, round_id, "open")

    @post("/{round_id:int}/close", guards=[staff_only], status_code=200, summary="Close a round")
    async def close(self, request: Request, round_id: int) -> RoundOut:
        return await self._move(request, round_id, "closed")

    @post(
        "/{round_id:int}/status",
        guards=[staff_only],
        status_code=200,
        summary="Move a round to another state (under_review, decided, archived)",
    )
    async def move(self, request: Request, round_id: int, data: dict[str, str]) -> RoundOut:
        return await self._move(request, round_id, str(data.get("status", "")))

    @post("/{round_id:int}/eligibility-check", guards=[signed_in], status_code=200, summary=_CHECK_SUMMARY)
    async def eligibility_check(self, request: Request, round_id: int, data: EligibilityCheckIn) -> VerdictOut:
        verdict = await eligibility.eligibility_check(
            round_id=round_id,
            hromada_code=data.hromada_code,
            answers=data.answers,
            user=require_user(request),
            document_kinds=data.documents,
        )
        return verdict_out(verdict)

    @_round_download("eligibility.csv")
    async def eligibility_csv(self, request: Request, round_id: int) -> Stream:
        return await downloads.eligibility_csv(require_user(request), round_id)

    @post("/{round_id:int}/applications", guards=[signed_in], status_code=HTTP_201_CREATED, summary=_START_SUMMARY)
    async def apply(self, request: Request, round_id: int, data: ApplicationCreate) -> ApplicationOut:
        user, actor = _caller(request)
        row = await drafts.create_application(
            round_id=round_id, hromada_code=data.hromada_code, answers=data.answers, user=user, actor=actor
        )
        return await application_response(row)

    @get(
        "/{round_id:int}/applications",
        guards=[staff_only],
        summary="A round's applications (staff)",
        dependencies={"filters": Provide(application_filters, sync_to_thread=False)},
    )
    async def applications(
        self,
        request: Request,
        round_id: int,
        filters: ApplicationFilters,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        offset: Annotated[int, Parameter(ge=0)] = 0,
    ) -> ApplicationPage:
        rows, total = await screening.list_applications(
            round_id=round_id, user=require_user(request), **msgspec.structs.asdict(filters), limit=limit, offset=offset
        )
        return ApplicationPage(total=total, items=[application_out(r, []) for r in rows])

    @_round_download("applications.csv")
    async def applications_csv(self, request: Request, round_id: int) -> Stream:
        return await downloads.applications_csv(require_user(request), round_id)

    @_round_download("applications.xlsx")
    async def applications_xlsx(self, request: Request, round_id: int) -> File:
        return await downloads.applications_xlsx(require_user(request), round_id)


class ApplicationApi(Controller):
    path = "/api/v1/applications"
    tags = ["applications"]
    guards = [signed_in]

    @get("/{application_id:int}", summary="An application (its hromada's leader, staff)")
    async def get_application(self, request: Request, application_id: int) -> ApplicationOut:
        return await application_response(
            await get_application(application_id=application_id, user=require_user(request))
        )

    @patch("/{application_id:int}", summary="Save answers of a draft (merged; every save is a revision)")
    async def update(self, request: Request, application_id: int, data: ApplicationPatch) -> ApplicationOut:
        user, actor = _caller(request)
        row = await drafts.save_answers(application_id=application_id, answers=data.answers, user=user, actor=actor)
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
        user, actor = _caller(request)
        content = await data.file.read()
        row = await documents.add_document(
            application_id=application_id,
            kind=data.kind,
            filename=data.file.filename,
            data=content,
            user=user,
            actor=actor,
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
        await documents.get_application_document(application_id=application_id, document_id=document_id, user=user)
        document, content = await read_document(storage=storage, document_id=document_id, user=uploader(user))
        return attachment(document, content)

    @delete(
        "/{application_id:int}/documents/{document_id:int}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a document from a draft",
    )
    async def remove(self, request: Request, storage: Storage, application_id: int, document_id: int) -> None:
        user, actor = _caller(request)
        await documents.delete_document(
            application_id=application_id, document_id=document_id, user=user, actor=actor, storage=storage
        )

    @post("/{application_id:int}/submit", status_code=200, summary="Submit: checks deadline, completeness, rules")
    async def submit(self, request: Request, application_id: int) -> ApplicationOut:
        user, actor = _caller(request)
        return await application_response(
            await submission.submit(application_id=application_id, user=user, actor=actor)
        )

    @post("/{application_id:int}/withdraw", status_code=200, summary="Withdraw before the deadline")
    async def withdraw(self, request: Request, application_id: int) -> ApplicationOut:
        user, actor = _caller(request)
        return await application_response(
            await submission.withdraw(application_id=application_id, user=user, actor=actor)
        )

    @post(
        "/{application_id:int}/screening",
        guards=[staff_only],
        status_code=200,
        summary="Screen: confirm the computed verdict or override it with a reason (staff)",
    )
    async def screen(self, request: Request, application_id: int, data: ScreeningIn) -> ApplicationOut:
        user, actor = _caller(request)
        row = await screening.screen(
            application_id=application_id, eligible=data.eligible, reason=data.reason, user=user, actor=actor
        )
        return await application_response(row)

    @get("/mine", summary="Your hromada's applications")
    async def mine(self, request: Request) -> list[ApplicationOut]:
        rows = await my_applications(user=require_user(request))
        return [application_out(r, []) for r in rows]
