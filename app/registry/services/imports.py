"""Importing the hromada registry: reading a KATOTTG file (naming the line and column of a fault) and upserting it.

Must not touch: how hromadas are searched or shown (queries.py), nor any table but Oblast and Hromada."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.platform import audit
from app.platform.db import write_transaction
from app.platform.i18n import ukrainian_sort_key
from app.registry.schemas import HromadaRecord
from app.registry.tables import HROMADA_TYPES, Hromada, Oblast

KATOTTG_CODE = re.compile(r"^UA\d{17}$")
BUNDLED_REGISTRY = Path(__file__).resolve().parent.parent / "data" / "hromadas.csv"

# Our trimmed file's columns, and the source dataset's names for the same data.
COLUMNS = {
    "code": ("code", "hromada_code"),
    "name": ("name", "hromada_name"),
    "full_name": ("full_name", "hromada_full_name"),
    "type": ("type",),
    "oblast_code": ("oblast_code",),
    "oblast_name": ("oblast_name",),
    "oblast_name_en": ("oblast_name_en",),
    "raion_code": ("raion_code",),
    "raion_name": ("raion_name",),
    "population": ("population", "total_popultaion_2022"),
    "area_km2": ("area_km2", "square"),
}
OPTIONAL_COLUMNS = {"population_year", "amalgamated_on", "creation_date", "voluntary"}
UKRAINIAN_TYPES = {"міська": "urban", "селищна": "settlement", "сільська": "rural"}


class RegistryFileError(ValueError):
    """The file cannot be imported; ``line`` and ``column`` say where (line 1 is the header)."""

    def __init__(self, message: str, *, line: int, column: str = "") -> None:
        where = f"line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")
        self.line = line
        self.column = column


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    oblasts_added: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} hromadas added, {len(self.changed)} changed, {self.unchanged} unchanged, "
            f"{self.oblasts_added} oblasts added"
        )


def _column_map(header: list[str]) -> dict[str, str]:
    present = set(header)
    mapping: dict[str, str] = {}
    for field_name, names in COLUMNS.items():
        found = next((name for name in names if name in present), None)
        if found is None:
            raise RegistryFileError(f"the column '{names[0]}' is missing", line=1, column=names[0])
        mapping[field_name] = found
    return mapping


def parse_registry(text: str) -> list[HromadaRecord]:
    """Read a registry CSV; on the first fault raise RegistryFileError naming the line and column."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise RegistryFileError("the file is empty", line=1) from None
    mapping = _column_map(header)
    records: list[HromadaRecord] = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise RegistryFileError(f"expected {len(header)} values, found {len(row)}", line=line)
        values = dict(zip(header, (cell.strip() for cell in row), strict=False))
        records.append(_record(values, mapping, line, seen))
    if not records:
        raise RegistryFileError("the file has a header but no hromadas", line=2)
    return records


def _record(values: dict[str, str], mapping: dict[str, str], line: int, seen: set[str]) -> HromadaRecord:
    def get(field_name: str) -> str:
        return values[mapping[field_name]]

    def fail(field_name: str, message: str) -> RegistryFileError:
        return RegistryFileError(message, line=line, column=mapping.get(field_name, field_name))

    code = get("code")
    if not KATOTTG_CODE.match(code):
        raise fail("code", f"'{code}' is not a KATOTTG code (UA followed by 17 digits)")
    if code in seen:
        raise fail("code", f"the code '{code}' appears twice")
    seen.add(code)
    for field_name in ("oblast_code", "raion_code"):
        if get(field_name) and not KATOTTG_CODE.match(get(field_name)):
            raise fail(field_name, f"'{get(field_name)}' is not a KATOTTG code")
    if not get("oblast_code"):
        raise fail("oblast_code", "the oblast code is empty")
    for field_name in ("name", "full_name", "oblast_name"):
        if not get(field_name):
            raise fail(field_name, f"the {field_name.replace('_', ' ')} is empty")
    kind = UKRAINIAN_TYPES.get(get("type"), get("type"))
    if kind not in HROMADA_TYPES:
        raise fail("type", f"'{get('type')}' is not a hromada type (urban, settlement, rural)")
    try:
        population = int(get("population"))
        if population < 0:
            raise ValueError
    except ValueError:
        raise fail("population", f"'{get('population')}' is not a whole non-negative number") from None
    area_text = get("area_km2")
    area: float | None = None
    if area_text not in ("", "NA"):
        try:
            area = float(area_text)
            if area < 0:
                raise ValueError
        except ValueError:
            raise fail("area_km2", f"'{area_text}' is not a number") from None
    year_text = values.get("population_year", "") or "2022"
    if not year_text.isdigit():
        raise RegistryFileError(f"'{year_text}' is not a year", line=line, column="population_year")
    amalgamated_on = _amalgamation_date(values, line)
    return HromadaRecord(
        code=code,
        name=get("name"),
        full_name=get("full_name"),
        type=kind,
        oblast_code=get("oblast_code"),
        oblast_name=get("oblast_name"),
        oblast_name_en=get("oblast_name_en"),
        raion_code=get("raion_code"),
        raion_name=get("raion_name"),
        population=population,
        population_year=int(year_text),
        area_km2=area,
        amalgamated_on=amalgamated_on,
    )


def _amalgamation_date(values: dict[str, str], line: int) -> date | None:
    if "amalgamated_on" in values:
        column, text = "amalgamated_on", values["amalgamated_on"]
    elif values.get("voluntary") == "1":
        column, text = "creation_date", values.get("creation_date", "")
    else:
        return None
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RegistryFileError(f"'{text}' is not a date (YYYY-MM-DD)", line=line, column=column) from None


def _search_text(record: HromadaRecord) -> str:
    return f"{record.name} {record.full_name} {record.code}".casefold()


def _hromada_values(record: HromadaRecord, oblast_id: int) -> dict[str, Any]:
    return {
        "code": record.code,
        "name": record.name,
        "full_name": record.full_name,
        "type": record.type,
        "oblast": oblast_id,
        "raion_code": record.raion_code,
        "raion_name": record.raion_name,
        "population": record.population,
        "population_year": record.population_year,
        "area_km2": record.area_km2,
        "amalgamated_on": record.amalgamated_on,
        "search_text": _search_text(record),
        "sort_name": ukrainian_sort_key(record.name),
    }


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if out["area_km2"] is not None:
        out["area_km2"] = round(float(out["area_km2"]), 3)
    return out


async def import_hromadas(records: list[HromadaRecord], *, actor: audit.Actor) -> ImportReport:
    """Upsert every record in one transaction; report what was added and what changed."""
    report = ImportReport()
    async with write_transaction():
        oblasts = {row["code"]: row for row in await Oblast.select()}
        for record in records:
            if record.oblast_code not in oblasts:
                oblast = Oblast(code=record.oblast_code, name_uk=record.oblast_name, name_en=record.oblast_name_en)
                await oblast.save()
                oblasts[record.oblast_code] = oblast.to_dict()
                report.oblasts_added += 1
        # Every column but the id: what an import writes, so what it compares.
        existing = {row["code"]: row for row in await Hromada.select(*Hromada._meta.non_default_columns)}
        new_rows = []
        for record in records:
            values = _hromada_values(record, oblasts[record.oblast_code]["id"])
            current = existing.get(record.code)
            if current is None:
                new_rows.append(Hromada(**values))
                report.added.append(record.code)
                continue
            current_values = {key: current[key] for key in values}
            if _comparable(current_values) == _comparable(values):
                report.unchanged += 1
                continue
            before, after = audit.changed_fields(current_values, values)
            await Hromada.update(values).where(Hromada.code == record.code)
            await audit.record(
                actor=actor,
                action="hromada.update",
                object_type="hromada",
                object_id=record.code,
                before=before,
                after=after,
            )
            report.changed.append(record.code)
        for start in range(0, len(new_rows), 200):
            await Hromada.insert(*new_rows[start : start + 200])
        await audit.record(
            actor=actor,
            action="registry.import",
            object_type="registry",
            after={
                "added": len(report.added),
                "changed": len(report.changed),
                "unchanged": report.unchanged,
                "oblasts_added": report.oblasts_added,
            },
        )
    return report


async def import_registry_file(path: Path, *, actor: audit.Actor) -> ImportReport:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryFileError("the file is not UTF-8 text", line=1) from exc
    return await import_hromadas(parse_registry(text), actor=actor)
