"""How a stored document is sent to a browser or a client: as an attachment, named in ASCII and in UTF-8, never cached.

Must not touch: who may read a document or where its bytes come from (documents.py decides, storage.py holds)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar.response import Response

from app.platform.documents import DEFAULT_ALLOWED_TYPES

# What a stored document is served as: the type its bytes were judged to be at upload.
DOCUMENT_TYPES = tuple(sorted(set(DEFAULT_ALLOWED_TYPES.values())))


def attachment(document: dict[str, Any], data: bytes) -> Response[bytes]:
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
