"""The site's own JSON API: health, the audit log (staff), and uploading and reading documents.

Must not touch: any domain's API or rules; each handler parses, calls the platform, answers."""

from __future__ import annotations

import asyncio
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.response import Response

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.accounts.services.users import uploader
from app.platform import audit, documents
from app.platform.db import ping
from app.platform.downloads import DOCUMENT_TYPES, attachment
from app.platform.settings import Settings
from app.platform.storage import Storage, StorageUnavailable
from app.platform.structs import struct_from
from app.site.schemas import (
    AUDIT_FILTERS,
    AuditEntryOut,
    AuditPage,
    DocumentOut,
    HealthOut,
    Upload,
    document_out,
)


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

    @get(
        "/api/v1/audit",
        guards=[staff_only],
        dependencies={"filters": AUDIT_FILTERS},
        summary="The audit log, newest first (staff)",
    )
    async def audit_log(
        self,
        filters: dict[str, str],
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        offset: Annotated[int, Parameter(ge=0)] = 0,
    ) -> AuditPage:
        rows, total = await audit.search(filters=filters, limit=limit, offset=offset)
        return AuditPage(total=total, items=[struct_from(AuditEntryOut, row) for row in rows])

    @post("/api/v1/documents", guards=[signed_in], summary="Upload a document (PDF, image, office file)")
    async def upload(self, request: Request, storage: Storage, settings: Settings, data: Upload) -> DocumentOut:
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
