"""The registry's records: a hromada as a file states it (for the import) and as the API shows it, and an oblast.

Must not touch: how they are read, stored or found (services/)."""

from __future__ import annotations

import datetime
from typing import Annotated

import msgspec
from litestar.params import Parameter

from app.platform.structs import struct_from

# The hromada types a page or the API may filter by (empty: any).
HromadaType = Annotated[str, Parameter(pattern="^(|urban|settlement|rural)$", description="urban, settlement or rural")]


class HromadaFacts(msgspec.Struct, frozen=True):
    """What the registry states of a hromada, in the order the API shows it."""

    code: str
    name: str
    full_name: str
    type: str
    oblast_code: str
    oblast_name: str
    oblast_name_en: str
    raion_code: str
    raion_name: str
    population: int
    population_year: int
    area_km2: float | None


class HromadaRecord(HromadaFacts, frozen=True):
    """One line of a registry file, checked."""

    amalgamated_on: datetime.date | None


class HromadaOut(HromadaFacts, frozen=True):
    amalgamated: bool
    amalgamated_on: datetime.date | None


class HromadaPage(msgspec.Struct):
    total: int
    limit: int
    offset: int
    items: list[HromadaOut]


class OblastOut(msgspec.Struct):
    code: str
    name_uk: str
    name_en: str


def hromada_out(row: dict) -> HromadaOut:
    return struct_from(
        HromadaOut,
        row,
        oblast_name=row["oblast_name_uk"],
        area_km2=round(float(row["area_km2"]), 2) if row["area_km2"] is not None else None,
        amalgamated=row["amalgamated_on"] is not None,
    )
