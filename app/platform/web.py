"""What the site's pages share about the browser: form bodies, whether htmx asked, what a file input accepts.
It decides request and form details common to every domain's pages; it must not know any domain."""

from __future__ import annotations

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body

# The bodies of a plain HTML form and of a form that uploads files.
FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)
MultipartBody = Body(media_type=RequestEncodingType.MULTI_PART)

# The `accept` attribute of a file input, by document type (as app.platform.documents names the types).
FILE_ACCEPT = {
    "pdf": ".pdf,application/pdf",
    "png": ".png,image/png",
    "jpg": ".jpg,.jpeg,image/jpeg",
    "webp": ".webp,image/webp",
    "docx": ".docx",
    "xlsx": ".xlsx",
    "odt": ".odt",
    "ods": ".ods",
}


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def file_accept(types) -> str:
    """The `accept` attribute of a file input for these document types (an unknown type by its extension)."""
    return ",".join(FILE_ACCEPT.get(t, "." + t) for t in types)
