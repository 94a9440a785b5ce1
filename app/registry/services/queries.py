"""Finding hromadas and oblasts in the registry: the filtered, paged list, one hromada by its code, the oblasts.

Must not touch: the registry's content (imports.py writes it); reads only."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from piccolo.query.methods.select import Count

from app.platform.db import PreparedSelect
from app.platform.errors import NotFound
from app.platform.i18n import _
from app.registry.tables import Hromada, Oblast


def _hromada_columns() -> list:
    """A hromada as it is shown: its own columns (not the search keys) and its oblast's code and names."""
    return [
        *Hromada.all_columns(exclude=[Hromada.oblast, Hromada.search_text, Hromada.sort_name]),
        Hromada.oblast.code.as_alias("oblast_code"),
        Hromada.oblast.name_uk.as_alias("oblast_name_uk"),
        Hromada.oblast.name_en.as_alias("oblast_name_en"),
    ]


async def list_hromadas(
    *, q: str = "", oblast: str = "", type: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Hromadas matching the filters, by oblast then name; with the total count of matches."""
    needle = q.strip().casefold().replace("%", "").replace("_", "")
    filters = {"q": f"%{needle}%" if needle else "", "oblast": oblast, "type": type}
    given = tuple(name for name, value in filters.items() if value)
    select, count = _hromada_list_selects(given, limit, offset)
    values = [filters[name] for name in given]
    counted = await count.first(*values)
    return await select.rows(*values), counted["count"] if counted else 0


_HROMADA_FILTERS = {
    "q": lambda value: Hromada.search_text.like(value),
    "oblast": lambda value: Hromada.oblast.code == value,
    "type": lambda value: Hromada.type == value,
}


@lru_cache(maxsize=512)
def _hromada_list_selects(given: tuple[str, ...], limit: int, offset: int) -> tuple[PreparedSelect, PreparedSelect]:
    """The list's select and count for one combination of filters and page (the values are parameters)."""

    def where(query, *values):
        for name, value in zip(given, values, strict=True):
            query = query.where(_HROMADA_FILTERS[name](value))
        return query

    def select(*values):
        query = Hromada.select(*_hromada_columns()).order_by(Hromada.oblast.code).order_by(Hromada.sort_name)
        return where(query, *values).limit(limit).offset(offset)

    def count(*values):
        return where(Hromada.select(Count(alias="count")), *values)

    return PreparedSelect(select, params=len(given)), PreparedSelect(count, params=len(given))


async def get_hromada(code: str) -> dict[str, Any]:
    row = await Hromada.select(*_hromada_columns()).where(Hromada.code == code).first()
    if row is None:
        raise NotFound(_("There is no hromada with the code %(code)s in the registry.", code=code))
    return row


# KATOTTG numbers oblasts in Ukrainian alphabetical order.
_OBLASTS = PreparedSelect(
    lambda: Oblast.select(Oblast.id, Oblast.code, Oblast.name_uk, Oblast.name_en).order_by(Oblast.code), params=0
)


async def list_oblasts() -> list[dict[str, Any]]:
    return await _OBLASTS.rows()


async def hromada_count() -> int:
    return await Hromada.count()
