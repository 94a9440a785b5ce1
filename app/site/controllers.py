"""Routes that belong to no one domain: home, language, health, the audit log and documents."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body, Parameter
from litestar.response import Redirect, Response, Template

from app.accounts.auth import client_address, current_user, require_user, signed_in, staff_only
from app.accounts.pages import safe_next
from app.accounts.services.users import CurrentUser
from app.platform import audit, documents
from app.platform.db import ping
from app.platform.i18n import LANGUAGE_COOKIE, LOCALES
from app.platform.settings import Settings
from app.platform.storage import Storage, StorageUnavailable

AUDIT_PAGE_SIZE = 50
# What a stored document is served as: the type its bytes were judged to be at upload.
DOCUMENT_TYPES = tuple(sorted(set(documents.DEFAULT_ALLOWED_TYPES.values())))


class HealthOut(msgspec.Struct):
    status: str
    database: str
    storage: str


class AuditEntryOut(msgspec.Struct):
    id: int
    at: Any
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any


class AuditPage(msgspec.Struct):
    total: int
    items: list[AuditEntryOut]


class DocumentOut(msgspec.Struct):
    id: int
    original_filename: str
    content_type: str
    size_bytes: int
    sha256: str
    kind: str
    download_url: str


class DocumentUpload(msgspec.Struct):
    file: UploadFile
    kind: str = ""


def uploader(user: CurrentUser) -> documents.Uploader:
    return documents.Uploader(id=user.id, role=user.role, hromada_id=user.hromada_id)


def document_out(row: dict[str, Any]) -> DocumentOut:
    return DocumentOut(
        id=row["id"],
        original_filename=row["original_filename"],
        content_type=row["content_type"],
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
        kind=row["kind"],
        download_url=f"/documents/{row['id']}",
    )


def attachment(document: dict[str, Any], data: bytes) -> Response[bytes]:
    from urllib.parse import quote

    filename = document["original_filename"]
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return Response(
        content=data,
        media_type=document["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "private, no-store",
        },
    )


class CorePages(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: Request) -> Template:
        return Template("home.html", context={"user": current_user(request)})

    @get("/language/{locale:str}")
    async def language(self, locale: str, next: str = "/") -> Redirect:
        response = Redirect(safe_next(next), status_code=303)
        if locale in LOCALES:
            response.cookies.append(
                Cookie(
                    key=LANGUAGE_COOKIE, value=locale, path="/", max_age=365 * 24 * 3600, samesite="lax", httponly=True
                )
            )
        return response

    @get("/audit", guards=[staff_only])
    async def audit_log(
        self,
        action: str = "",
        object_type: str = "",
        object_id: str = "",
        actor: str = "",
        page: Annotated[int, Parameter(ge=1)] = 1,
    ) -> Template:
        rows, total = await audit.search(
            action=action,
            object_type=object_type,
            object_id=object_id,
            actor=actor,
            limit=AUDIT_PAGE_SIZE,
            offset=(page - 1) * AUDIT_PAGE_SIZE,
        )
        return Template(
            "audit/list.html",
            context={
                "entries": rows,
                "total": total,
                "page": page,
                "pages": max(1, -(-total // AUDIT_PAGE_SIZE)),
                "filters": {"action": action, "object_type": object_type, "object_id": object_id, "actor": actor},
                "actions": await audit.action_names(),
            },
        )

    @get("/documents/{document_id:int}", guards=[signed_in])
    async def download(self, request: Request, storage: Storage, document_id: int) -> Response[bytes]:
        document, data = await documents.read_document(
            storage=storage, document_id=document_id, user=uploader(require_user(request))
        )
        return attachment(document, data)


class CoreApi(Controller):
    tags = ["platform"]

    @get(
        "/health",
        summary="Health of the database and the document storage",
        responses={503: ResponseSpec(HealthOut, description="The database or the storage does not answer (named).")},
    )
    async def health(self, storage: Storage) -> Response[HealthOut]:
        database = storage_state = "ok"
        try:
            await asyncio.wait_for(ping(), timeout=5)
        except Exception:  # noqa: BLE001 - any failure to reach the database is reported, not raised
            database = "unavailable"
        try:
            await storage.check()
        except StorageUnavailable:
            storage_state = "unavailable"
        healthy = database == "ok" and storage_state == "ok"
        return Response(
            HealthOut(status="ok" if healthy else "unavailable", database=database, storage=storage_state),
            status_code=200 if healthy else 503,
        )

    @get("/api/v1/audit", guards=[staff_only], summary="The audit log, newest first (staff)")
    async def audit_log(
        self,
        action: str = "",
        object_type: str = "",
        object_id: str = "",
        actor: str = "",
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        offset: Annotated[int, Parameter(ge=0)] = 0,
    ) -> AuditPage:
        rows, total = await audit.search(
            action=action, object_type=object_type, object_id=object_id, actor=actor, limit=limit, offset=offset
        )
        return AuditPage(
            total=total, items=[AuditEntryOut(**{k: r[k] for k in AuditEntryOut.__struct_fields__}) for r in rows]
        )

    @post("/api/v1/documents", guards=[signed_in], summary="Upload a document (PDF, image, office file)")
    async def upload(
        self,
        request: Request,
        storage: Storage,
        settings: Settings,
        data: Annotated[DocumentUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> DocumentOut:
        user = require_user(request)
        content = await data.file.read()
        row = await documents.save_document(
            storage=storage,
            data=content,
            filename=data.file.filename,
            uploader=uploader(user),
            actor=user.actor(client_address(request)),
            max_bytes=settings.max_upload_bytes,
            kind=data.kind,
        )
        return document_out(row)

    @get("/api/v1/documents/{document_id:int}", guards=[signed_in], summary="A document's record")
    async def document(self, request: Request, document_id: int) -> DocumentOut:
        return document_out(await documents.get_document(document_id=document_id, user=uploader(require_user(request))))

    @get(
        "/api/v1/documents/{document_id:int}/content",
        guards=[signed_in],
        summary="A document's bytes",
        media_type="application/octet-stream",
        opt={"content_types": DOCUMENT_TYPES},
    )
    async def document_content(self, request: Request, storage: Storage, document_id: int) -> Response[bytes]:
        document, data = await documents.read_document(
            storage=storage, document_id=document_id, user=uploader(require_user(request))
        )
        return attachment(document, data)
