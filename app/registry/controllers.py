from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter
from litestar.response import Template

from app.registry import services
from app.registry.schemas import HromadaOut, HromadaPage, OblastOut, hromada_out
from app.registry.tables import HROMADA_TYPES

PAGE_SIZE = 25
Limit = Annotated[int, Parameter(ge=1, le=500, description="How many hromadas to return (1-500)")]
Offset = Annotated[int, Parameter(ge=0, description="How many hromadas to skip")]
HromadaType = Annotated[str, Parameter(pattern="^(|urban|settlement|rural)$", description="urban, settlement or rural")]


class RegistryPages(Controller):
    path = "/hromadas"
    tags = ["pages"]
    include_in_schema = False

    @get("/")
    async def index(
        self, q: str = "", oblast: str = "", type: HromadaType = "", page: Annotated[int, Parameter(ge=1)] = 1
    ) -> Template:
        rows, total = await services.list_hromadas(
            q=q, oblast=oblast, type=type, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        return Template(
            "registry/list.html",
            context={
                "hromadas": rows,
                "total": total,
                "page": page,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "filters": {"q": q, "oblast": oblast, "type": type},
                "oblasts": await services.list_oblasts(),
                "types": HROMADA_TYPES,
            },
        )

    @get("/{code:str}")
    async def detail(self, code: str) -> Template:
        return Template("registry/detail.html", context={"hromada": await services.get_hromada(code)})


class RegistryApi(Controller):
    path = "/api/v1"
    tags = ["registry"]

    @get("/hromadas", summary="Search the hromada registry")
    async def list_hromadas(
        self, q: str = "", oblast: str = "", type: HromadaType = "", limit: Limit = 50, offset: Offset = 0
    ) -> HromadaPage:
        """Hromadas whose name or code contains ``q``, in an oblast (KATOTTG code) and of a type."""
        rows, total = await services.list_hromadas(q=q, oblast=oblast, type=type, limit=limit, offset=offset)
        return HromadaPage(total=total, limit=limit, offset=offset, items=[hromada_out(r) for r in rows])

    @get("/hromadas/{code:str}", summary="One hromada by its KATOTTG code")
    async def get_hromada(self, code: str) -> HromadaOut:
        return hromada_out(await services.get_hromada(code))

    @get("/oblasts", summary="The oblasts of the registry")
    async def list_oblasts(self) -> list[OblastOut]:
        return [
            OblastOut(code=o["code"], name_uk=o["name_uk"], name_en=o["name_en"]) for o in await services.list_oblasts()
        ]
