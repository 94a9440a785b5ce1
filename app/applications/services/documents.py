"""An application's documents: which it has, adding one of a kind the round asks for, removing one, reading one.
It decides what a draft may attach and replace; it must not store bytes itself (the platform's documents do)."""

from __future__ import annotations

from typing import Any

from app.accounts.services.users import CurrentUser
from app.applications.services.applications import get_application
from app.applications.services.drafts import editable_draft
from app.applications.services.records import record
from app.platform import audit
from app.platform.db import PreparedSelect, write_transaction
from app.platform.documents import DEFAULT_ALLOWED_TYPES, Uploader, save_document
from app.platform.errors import InvalidInput, NotFound
from app.platform.i18n import _
from app.platform.storage import Storage
from app.platform.tables import StoredDocument


def _of_application(application_id: int):
    """The where clause of the documents an application owns."""
    return (StoredDocument.owner_type == "application") & (StoredDocument.owner_id == application_id)


async def document_kinds(application_id: int) -> set[str]:
    """The kinds of document the application has attached."""
    rows = await StoredDocument.select(StoredDocument.kind).where(_of_application(application_id))
    return {row["kind"] for row in rows}


_APPLICATION_DOCUMENTS = PreparedSelect(
    lambda application_id: (
        StoredDocument.select(
            StoredDocument.id,
            StoredDocument.kind,
            StoredDocument.original_filename,
            StoredDocument.size_bytes,
            StoredDocument.content_type,
            StoredDocument.created_at,
        )
        .where(_of_application(application_id))
        .order_by(StoredDocument.id)
    ),
    params=1,
    key_lookup=True,
)


async def application_documents(application_id: int) -> list[dict[str, Any]]:
    return await _APPLICATION_DOCUMENTS.rows(application_id)


async def add_document(
    *,
    application_id: int,
    kind: str,
    filename: str,
    data: bytes,
    user: CurrentUser,
    actor: audit.Actor,
    storage: Storage,
) -> dict[str, Any]:
    """Store a document of ``kind``; it replaces the draft's earlier document of that kind."""
    application, round_ = await editable_draft(application_id, user)
    spec = next((k for k in round_["document_kinds"] if k["key"] == kind), None)
    if spec is None:
        raise InvalidInput(
            _(
                "This round does not ask for documents of kind %(kind)s. Kinds: %(kinds)s.",
                kind=kind or "—",
                kinds=", ".join(k["key"] for k in round_["document_kinds"]),
            ),
            extra={"field": "kind"},
        )
    document = await save_document(
        storage=storage,
        data=data,
        filename=filename,
        uploader=Uploader(id=user.id, role=user.role, hromada_id=user.hromada_id),
        actor=actor,
        max_bytes=spec["max_bytes"],
        owner_type="application",
        owner_id=application_id,
        kind=kind,
        allowed_types={t: DEFAULT_ALLOWED_TYPES[t] for t in spec["types"]},
    )
    replaced = await StoredDocument.select(StoredDocument.id, StoredDocument.key).where(
        _of_application(application_id) & (StoredDocument.kind == kind) & (StoredDocument.id != document["id"])
    )
    for old in replaced:
        await _remove_document(old, application_id=application_id, actor=actor, storage=storage)
    return document


async def _remove_document(
    document: dict[str, Any], *, application_id: int, actor: audit.Actor, storage: Storage
) -> None:
    async with write_transaction():
        await StoredDocument.delete().where(StoredDocument.id == document["id"])
        await record(
            actor, "document.delete", document["id"], before={"application": application_id, "key": document["key"]}
        )
    try:
        await storage.delete(document["key"])
    except Exception:  # noqa: BLE001 - an orphaned object is harmless; the record is gone
        pass


async def _document(application_id: int, document_id: int, *columns) -> dict[str, Any]:
    """The application's document ``document_id`` (the given columns, or all); 404 when it has no such document."""
    document = (
        await StoredDocument.select(*columns)
        .where((StoredDocument.id == document_id) & _of_application(application_id))
        .first()
    )
    if document is None:
        raise NotFound(_("There is no such document in this application."))
    return document


async def delete_document(
    *, application_id: int, document_id: int, user: CurrentUser, actor: audit.Actor, storage: Storage
) -> None:
    await editable_draft(application_id, user)
    document = await _document(application_id, document_id, StoredDocument.id, StoredDocument.key)
    await _remove_document(document, application_id=application_id, actor=actor, storage=storage)


async def get_application_document(*, application_id: int, document_id: int, user: CurrentUser) -> dict[str, Any]:
    await get_application(application_id=application_id, user=user)
    return await _document(application_id, document_id)
