"""Documents of a project and of its lots: storing one (an acceptance act or photo of a lot, the photo of the
opening) for whom it belongs to, and listing them. Must not decide who may read them: permissions.py does."""

from __future__ import annotations

from typing import Any

from app.accounts.services.users import CurrentUser
from app.platform import audit
from app.platform.db import PreparedSelect, ids_in, ids_value
from app.platform.documents import Uploader, save_document
from app.platform.errors import Conflict, NotFound
from app.platform.i18n import _
from app.platform.tables import StoredDocument
from app.procurement.services.projects import get_project
from app.procurement.tables import Lot


async def store_document(
    owner: tuple[str, int],
    file: tuple[str, bytes],
    kind: str,
    *,
    user: CurrentUser,
    actor: audit.Actor,
    storage: Any,
    max_bytes: int,
    allowed_types: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``file`` (its name and content) as a document of ``kind`` of a lot or a project (``owner``: ("lot", id) or
    ("project", id)), uploaded by ``user``; checked by ``save_document`` (size, type, viruses)."""
    return await save_document(
        storage=storage,
        data=file[1],
        filename=file[0],
        uploader=Uploader(id=user.id, role=user.role, hromada_id=user.hromada_id),
        actor=actor,
        max_bytes=max_bytes,
        owner_type=owner[0],
        owner_id=owner[1],
        kind=kind,
        allowed_types=allowed_types,
    )


async def attach_lot_document(
    *,
    lot_id: int,
    kind: str,
    filename: str,
    data: bytes,
    user: CurrentUser,
    actor: audit.Actor,
    storage: Any,
    max_bytes: int,
) -> dict[str, Any]:
    """An acceptance document or photo of a lot's delivery (staff, or the hromada's leader)."""
    lot = await Lot.select(Lot.id, Lot.project, Lot.status).where(Lot.id == lot_id).first()
    if lot is None:
        raise NotFound(_("There is no such lot."))
    await get_project(project_id=lot["project"], user=user)
    if lot["status"] == "cancelled":
        raise Conflict(_("The lot is cancelled: it takes no documents."))
    upload = {"user": user, "actor": actor, "storage": storage, "max_bytes": max_bytes}
    return await store_document(("lot", lot_id), (filename, data), (kind or "acceptance")[:64], **upload)


def _project_documents_select(project_id: Any, lot_ids: Any) -> Any:
    return (
        StoredDocument.select(
            StoredDocument.id,
            StoredDocument.owner_type,
            StoredDocument.owner_id,
            StoredDocument.kind,
            StoredDocument.original_filename,
            StoredDocument.size_bytes,
            StoredDocument.created_at,
        )
        .where(
            ((StoredDocument.owner_type == "project") & (StoredDocument.owner_id == project_id))
            | ((StoredDocument.owner_type == "lot") & ids_in(StoredDocument.owner_id, lot_ids))
        )
        .order_by(StoredDocument.id)
    )


_PROJECT_DOCUMENTS = PreparedSelect(_project_documents_select, params=2, key_lookup=True)


async def project_documents(project_id: int, lot_ids: list[int]) -> list[dict[str, Any]]:
    """The documents of the project and of its lots, ``lot_ids`` (its page has read them already)."""
    return await _PROJECT_DOCUMENTS.rows(project_id, ids_value(lot_ids))
