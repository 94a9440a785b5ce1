"""The staff's screening: a round's queue of submitted applications (filters, sorting, pages, status counts), the
screening decision on an application, and the round's exports. Pages parse, call one service and answer."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import File, Redirect, Stream, Template

from app.accounts.auth import client_address, require_user, staff_only
from app.applications import downloads
from app.applications.pages.answers import single
from app.applications.pages.application import render_page
from app.applications.pages.words import helpers
from app.applications.schemas import ApplicationFilters, application_filters
from app.applications.services import rounds, screening
from app.applications.services.applications import get_application
from app.applications.tables import APPLICATION_STATUSES
from app.platform.errors import DomainError
from app.platform.i18n import N_, _, gettext
from app.platform.spreadsheets import XLSX_MEDIA_TYPE
from app.platform.web import FormBody
from app.registry.services import queries as registry

PAGE_SIZE = 25
SCREENING_DECISIONS = ("computed", "eligible", "ineligible")
QUEUE_COLUMNS = (
    ("hromada", N_("Hromada")),
    ("oblast", N_("Oblast")),
    ("population", N_("Population")),
    ("submitted", N_("Submitted")),
    ("status", N_("Status")),
    ("eligible", N_("Verdict")),
)


def _sort_links(filters: dict[str, str], sort: str) -> list[dict[str, Any]]:
    base = {k: v for k, v in filters.items() if k != "sort" and v}
    columns = []
    for key, label in QUEUE_COLUMNS:
        current = sort.removeprefix("-") == key or (not sort and key == "submitted")
        descending = sort.startswith("-")
        next_sort = f"-{key}" if current and not descending else key
        columns.append(
            {
                "key": key,
                "label": _(label),
                "href": "?" + urlencode({**base, "sort": next_sort}),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return columns


def _known_filters(filters: ApplicationFilters) -> ApplicationFilters:
    """The filters with an unknown status or verdict dropped."""
    return msgspec.structs.replace(
        filters,
        status=filters.status if filters.status in APPLICATION_STATUSES else "",
        eligible=filters.eligible if filters.eligible in ("yes", "no") else "",
    )


class ScreeningPages(Controller):
    tags = ["pages"]
    include_in_schema = False
    guards = [staff_only]

    @get(
        "/rounds/{round_id:int}/applications",
        dependencies={"filters": Provide(application_filters, sync_to_thread=False)},
    )
    async def queue(
        self,
        request: Request,
        round_id: int,
        filters: ApplicationFilters,
        sort: str = "",
        page: Annotated[int, Parameter(ge=1)] = 1,
    ) -> Template:
        user = require_user(request)
        round_ = await rounds.get_round(round_id)
        filters = _known_filters(filters)
        sort = sort if sort.removeprefix("-") in screening.APPLICATION_SORTS else ""
        counts = await screening.application_status_counts(round_id=round_id, user=user)
        submitted_total = sum(n for s, n in counts.items() if s != "draft")
        rows, total = await screening.list_applications(
            round_id=round_id,
            user=user,
            **msgspec.structs.asdict(filters),
            sort=sort,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            # Unfiltered, the list is every application but the drafts, which the status counts already give.
            known_total=None
            if (filters.status or filters.oblast or filters.q.strip() or filters.eligible)
            else submitted_total,
        )
        shown = {"status": filters.status, "oblast": filters.oblast, "eligible": filters.eligible, "q": filters.q}
        shown["sort"] = sort
        return Template(
            "applications/screening.html",
            context={
                "round": round_,
                "applications": rows,
                "total": total,
                "page": page,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "filters": shown,
                "columns": _sort_links(shown, sort),
                "counts": [(s, counts.get(s, 0)) for s in APPLICATION_STATUSES if counts.get(s)],
                "submitted_total": submitted_total,
                "statuses": APPLICATION_STATUSES,
                "oblasts": await registry.list_oblasts(),
                **helpers(),
            },
        )

    @post("/applications/{application_id:int}/screening", status_code=303)
    async def screening(
        self, request: Request, application_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        application = await get_application(application_id=application_id, user=user)
        decision = single(data.get("decision")) or "computed"
        reason = single(data.get("reason"))
        form = {"decision": decision, "reason": reason}
        if decision not in SCREENING_DECISIONS:
            return await render_page(
                request,
                application,
                status_code=422,
                screening_form=form,
                error=gettext("Choose a decision: confirm the computed verdict, eligible or ineligible."),
            )
        try:
            await screening.screen(
                application_id=application_id,
                eligible=None if decision == "computed" else decision == "eligible",
                reason=reason,
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as failure:
            on_reason = failure.extra.get("field") == "reason"
            return await render_page(
                request,
                application,
                status_code=failure.status_code,
                screening_form=form,
                screening_error=failure.message if on_reason else "",
                error="" if on_reason else failure.message,
            )
        return Redirect(f"/applications/{application_id}", status_code=303)

    @get("/rounds/{round_id:int}/applications.csv", media_type="text/csv")
    async def applications_csv(self, request: Request, round_id: int) -> Stream:
        return await downloads.applications_csv(require_user(request), round_id)

    @get("/rounds/{round_id:int}/applications.xlsx", media_type=XLSX_MEDIA_TYPE)
    async def applications_xlsx(self, request: Request, round_id: int) -> File:
        return await downloads.applications_xlsx(require_user(request), round_id)

    @get("/rounds/{round_id:int}/eligibility.csv", media_type="text/csv")
    async def eligibility_csv(self, request: Request, round_id: int) -> Stream:
        return await downloads.eligibility_csv(require_user(request), round_id)
