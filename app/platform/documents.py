"""Stored documents: the server picks the key, bytes decide the type, a record never points at nothing."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import filetype

from app.platform import audit
from app.platform.errors import InvalidInput, NotAllowed, NotFound, PayloadTooLarge, ServiceUnavailable, UnsupportedType
from app.platform.i18n import _, format_number
from app.platform.permissions import Permission, allow, deny
from app.platform.storage import ObjectMissing, Storage, StorageUnavailable
from app.platform.tables import StoredDocument

# Types judged by their first bytes, never by the name or the Content-Type the browser sent.
DEFAULT_ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}

IMAGE_TYPES = {key: DEFAULT_ALLOWED_TYPES[key] for key in ("jpg", "png", "webp")}


@dataclass(frozen=True)
class Uploader:
    id: int | None
    role: str
    hromada_id: int | None = None


OwnerCheck = Callable[[Uploader, dict[str, Any]], Awaitable[Permission]]
_owner_checks: dict[str, list[OwnerCheck]] = {}


def register_owner_check(owner_type: str, check: OwnerCheck) -> None:
    """A domain that attaches documents to its objects says here who may read them. Several domains may
    register for one owner type (applications for leaders, scoring for assigned experts): any one allows."""
    checks = _owner_checks.setdefault(owner_type, [])
    if check not in checks:
        checks.append(check)


def detect_type(data: bytes, allowed: dict[str, str] | None = None) -> tuple[str, str]:
    """(extension, MIME type) of ``data`` judged by its bytes; refuses types not in ``allowed``."""
    allowed = allowed or DEFAULT_ALLOWED_TYPES
    kind = filetype.guess(data)
    extension = kind.extension if kind else ""
    if extension == "jpeg":
        extension = "jpg"
    if extension not in allowed:
        raise UnsupportedType(
            _("This file type is not accepted. Upload one of: %(types)s.", types=", ".join(sorted(allowed))),
            extra={"field": "file"},
        )
    return extension, allowed[extension]


def human_size(size_bytes: int) -> str:
    """A size as a person reads it, in the current language: 200 bytes, 195 KB, 10 MB."""
    if size_bytes < 1024:
        return _("%(n)s bytes", n=size_bytes)
    if size_bytes < 1024 * 1024:
        return _("%(n)s KB", n=format_number(round(size_bytes / 1024, 1)))
    return _("%(n)s MB", n=format_number(round(size_bytes / (1024 * 1024), 1)))


async def _scan(data: bytes) -> None:
    from app.platform.virus_scan import ScannerUnavailable, scanner

    clamd = scanner()
    if clamd is None:
        return
    try:
        found = await clamd.scan(data)
    except ScannerUnavailable as exc:
        raise ServiceUnavailable(
            _("The virus scanner is unavailable right now. Nothing was saved; please try again in a few minutes.")
        ) from exc
    if found:
        raise InvalidInput(
            _("The file was refused: the virus scanner found %(name)s in it.", name=found), extra={"field": "file"}
        )


def _clean_filename(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:255] or "document"


async def save_document(
    *,
    storage: Storage,
    data: bytes,
    filename: str,
    uploader: Uploader,
    actor: audit.Actor,
    max_bytes: int,
    owner_type: str = "",
    owner_id: int | None = None,
    kind: str = "",
    allowed_types: dict[str, str] | None = None,
) -> dict[str, Any]:
    if not data:
        raise InvalidInput(_("The file is empty. Choose the file again."), extra={"field": "file"})
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            _(
                "The file is larger than the limit of %(limit)s. Reduce it and upload again.",
                limit=human_size(max_bytes),
            ),
            extra={"field": "file"},
        )
    extension, content_type = detect_type(data, allowed_types)
    await _scan(data)
    now = datetime.now(UTC)
    key = f"documents/{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"
    try:
        await storage.put(key, data, content_type)
    except StorageUnavailable as exc:
        raise ServiceUnavailable(
            _("Document storage is unavailable right now. Nothing was saved; please try again in a few minutes.")
        ) from exc
    document = StoredDocument(
        key=key,
        original_filename=_clean_filename(filename),
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploader.id,
        owner_type=owner_type,
        owner_id=owner_id,
        kind=kind,
    )
    try:
        await audit.save_new(
            document,
            actor=actor,
            action="document.upload",
            object_type="document",
            after={
                "filename": document.original_filename,
                "size_bytes": len(data),
                "owner_type": owner_type,
                "owner_id": owner_id,
                "kind": kind,
            },
        )
    except BaseException:
        # The record was not written: remove the object so storage holds nothing unaccounted for.
        try:
            await storage.delete(key)
        except StorageUnavailable:
            pass
        raise
    return document.to_dict()


async def can_read_document(user: Uploader, document: dict[str, Any]) -> Permission:
    if user.role in ("staff", "admin"):
        return allow()
    if user.id is not None and document["uploaded_by"] == user.id:
        return allow()
    checks = _owner_checks.get(document["owner_type"], [])
    refusal = None
    for check in checks:
        permission = await check(user, document)
        if permission:
            return permission
        refusal = refusal or permission
    if refusal is not None:
        return refusal
    return deny(_("Only the person who uploaded this document and programme staff can open it."))


async def get_document(*, document_id: int, user: Uploader) -> dict[str, Any]:
    document = await StoredDocument.select().where(StoredDocument.id == document_id).first()
    if document is None:
        raise NotFound(_("There is no such document."))
    permission = await can_read_document(user, document)
    if not permission:
        raise NotAllowed(permission.reason)
    return document


async def read_document(*, storage: Storage, document_id: int, user: Uploader) -> tuple[dict[str, Any], bytes]:
    document = await get_document(document_id=document_id, user=user)
    try:
        data = await storage.get(document["key"])
    except ObjectMissing as exc:
        raise NotFound(_("The document's file is missing from storage. Ask programme staff to restore it.")) from exc
    except StorageUnavailable as exc:
        raise ServiceUnavailable(
            _("Document storage is unavailable right now. Please try again in a few minutes.")
        ) from exc
    return document, data
