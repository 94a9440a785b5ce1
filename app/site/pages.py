"""The site's own pages: the home page, the language switch, the audit log (staff) and document downloads.

Must not touch: any domain's pages or rules; the API of the same things is api.py."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.datastructures import Cookie
from litestar.params import Parameter
from litestar.response import Redirect, Response, Template

from app.accounts.auth import current_user, require_user, signed_in, staff_only
from app.accounts.pages import safe_next
from app.accounts.services.users import uploader
from app.platform import audit, documents
from app.platform.downloads import attachment
from app.platform.i18n import LANGUAGE_COOKIE, LOCALES
from app.platform.paging import offset, pager
from app.platform.storage import Storage
from app.site.schemas import AUDIT_FILTERS

AUDIT_PAGE_SIZE = 50


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

    @get("/audit", guards=[staff_only], dependencies={"filters": AUDIT_FILTERS})
    async def audit_log(self, filters: dict[str, str], page: Annotated[int, Parameter(ge=1)] = 1) -> Template:
        rows, total = await audit.search(filters=filters, limit=AUDIT_PAGE_SIZE, offset=offset(page, AUDIT_PAGE_SIZE))
        return Template(
            "audit/list.html",
            context={
                "entries": rows,
                **pager(total=total, page=page, size=AUDIT_PAGE_SIZE),
                "filters": filters,
                "actions": await audit.action_names(),
            },
        )

    @get("/documents/{document_id:int}", guards=[signed_in])
    async def download(self, request: Request, storage: Storage, document_id: int) -> Response[bytes]:
        document, data = await documents.read_document(
            storage=storage, document_id=document_id, user=uploader(require_user(request))
        )
        return attachment(document, data)
