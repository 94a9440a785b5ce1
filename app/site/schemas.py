"""What the site's JSON API answers and accepts: health, the audit log's pages, documents and their uploads.

Must not touch: how any of it is found or checked (the platform's audit and documents decide)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body

from app.platform.structs import struct_from


def audit_filters(action: str = "", object_type: str = "", object_id: str = "", actor: str = "") -> dict[str, str]:
    """The audit log's filters, read from the query the same way by the page and by the API."""
    return {"action": action, "object_type": object_type, "object_id": object_id, "actor": actor}


AUDIT_FILTERS = Provide(audit_filters, sync_to_thread=False)


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


Upload = Annotated[DocumentUpload, Body(media_type=RequestEncodingType.MULTI_PART)]


def document_out(row: dict[str, Any]) -> DocumentOut:
    return struct_from(DocumentOut, row, download_url=f"/documents/{row['id']}")
