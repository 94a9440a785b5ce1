"""The registry's pages: the searchable list of hromadas and one hromada's page.

Must not touch: the JSON API (api.py) or the registry's content; each handler reads through services/queries.py."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter
from litestar.response import Template

from app.platform.paging import offset, pager
from app.registry.schemas import HromadaType
from app.registry.services import queries as services
from app.registry.tables import HROMADA_TYPES

PAGE_SIZE = 25


class RegistryPages(Controller):
    path = "/hromadas"
    tags = ["pages"]
    include_in_schema = False

    @get("/")
    async def index(
        self, q: str = "", oblast: str = "", type: HromadaType = "", page: Annotated[int, Parameter(ge=1)] = 1
    ) -> Template:
        rows, total = await services.list_hromadas(
            q=q, oblast=oblast, type=type, limit=PAGE_SIZE, offset=offset(page, PAGE_SIZE)
        )
        return Template(
            "registry/list.html",
            context={
                "hromadas": rows,
                **pager(total=total, page=page, size=PAGE_SIZE),
                "filters": {"q": q, "oblast": oblast, "type": type},
                "oblasts": await services.list_oblasts(),
                "types": HROMADA_TYPES,
            },
        )

    @get("/{code:str}")
    async def detail(self, code: str) -> Template:
        return Template("registry/detail.html", context={"hromada": await services.get_hromada(code)})
