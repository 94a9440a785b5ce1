"""The registry's JSON API: searching hromadas, one hromada by its KATOTTG code, the oblasts.

Must not touch: pages (pages.py) or the registry's content; each handler reads through services/queries.py."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from app.platform.structs import struct_from
from app.registry.schemas import HromadaOut, HromadaPage, HromadaType, OblastOut, hromada_out
from app.registry.services import queries as services

Limit = Annotated[int, Parameter(ge=1, le=500, description="How many hromadas to return (1-500)")]
Offset = Annotated[int, Parameter(ge=0, description="How many hromadas to skip")]


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
        return [struct_from(OblastOut, row) for row in await services.list_oblasts()]
