from __future__ import annotations

import datetime

import msgspec


class HromadaOut(msgspec.Struct):
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
    return HromadaOut(
        code=row["code"],
        name=row["name"],
        full_name=row["full_name"],
        type=row["type"],
        oblast_code=row["oblast_code"],
        oblast_name=row["oblast_name_uk"],
        oblast_name_en=row["oblast_name_en"],
        raion_code=row["raion_code"],
        raion_name=row["raion_name"],
        population=row["population"],
        population_year=row["population_year"],
        area_km2=round(float(row["area_km2"]), 2) if row["area_km2"] is not None else None,
        amalgamated=row["amalgamated_on"] is not None,
        amalgamated_on=row["amalgamated_on"],
    )
