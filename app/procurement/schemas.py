"""The shapes of the procurement API's bodies and answers (msgspec Structs), and the functions that fill the
answers from the services' rows. Must not decide anything or read the database: they copy the fields named."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import msgspec
from litestar.datastructures import UploadFile
from litestar.params import KwargDefinition


class Amounts(msgspec.Struct):
    UAH: int | None
    EUR: int | None


class Totals(msgspec.Struct):
    planned: Amounts
    contracted: Amounts
    accepted: Amounts


class LotItemOut(msgspec.Struct):
    id: int
    item: int | None
    description: str
    quantity: int
    estimate_minor: int


class DeliveryOut(msgspec.Struct):
    id: int
    delivered_on: datetime.date
    quantity: int
    note: str
    accepted: bool


class LotOut(msgspec.Struct):
    id: int
    project: int
    title: str
    category: str
    method: str
    status: str
    allowed_next: list[str]
    estimate_minor: int
    currency: str
    prozorro_id: str
    supplier_name: str | None
    supplier_edrpou: str | None
    contract_number: str
    contract_date: datetime.date | None
    contract_value_minor: int | None
    contract_currency: str
    exchange_rate: str
    over_estimate_reason: str
    accepted_on: datetime.date | None
    items: list[LotItemOut]
    deliveries: list[DeliveryOut]


class MilestoneOut(msgspec.Struct):
    key: str
    title_uk: str
    title_en: str
    due_date: datetime.date | None
    status: str
    date_met: datetime.date | None
    note: str
    value: int | None
    overdue: bool


class PackageItemOut(msgspec.Struct):
    id: int
    item: int
    name_uk: str
    name_en: str
    category: str
    unit: str
    quantity: int
    unit_price_minor: int
    currency: str


class ProjectSummary(msgspec.Struct):
    id: int
    application: int
    round: int
    hromada_code: str
    hromada_name: str
    oblast_code: str
    opened_on: datetime.date | None


class ProjectOut(ProjectSummary):
    stage: str
    totals: Totals
    package: list[PackageItemOut]
    lots: list[LotOut]
    milestones: list[MilestoneOut]


class LotIn(msgspec.Struct):
    category: str
    items: list[dict[str, Any]]
    title: str = ""
    method: str = "programme"
    currency: str = "UAH"


class PackageIn(msgspec.Struct):
    items: list[dict[str, Any]]


class DeliveryIn(msgspec.Struct):
    delivered_on: str
    quantity: int = 0
    note: str = ""
    accepted: bool = False


class MilestoneIn(msgspec.Struct):
    status: str
    date_met: str | None = None
    note: str = ""
    value: int | None = None
    due_date: str | None = None


class DocumentUploadIn(msgspec.Struct):
    file: UploadFile
    kind: str = "acceptance"


# A form has no null: no file is a part left out. Documented as a plain optional file (Litestar would
# write the union as oneOf [file, null], which clients then send as a text field).
OptionalFile = Annotated[
    UploadFile | None,
    KwargDefinition(
        schema_extra={
            "oneOf": None,
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/octet-stream",
        }
    ),
]


class OpeningIn(msgspec.Struct):
    opened_on: str
    photo: OptionalFile = None
    note: str = ""


class CatalogueItemIn(msgspec.Struct):
    name_uk: str
    category: str
    unit_price_minor: int
    name_en: str = ""
    unit: str = "pcs"
    currency: str = "UAH"


class CatalogueItemOut(msgspec.Struct):
    id: int
    name_uk: str
    name_en: str
    category: str
    unit: str
    unit_price_minor: int
    currency: str
    active: bool


class RateIn(msgspec.Struct):
    uah_per_eur: str


class RateOut(msgspec.Struct):
    on_date: datetime.date
    uah_per_eur: str


class ToleranceIn(msgspec.Struct):
    tolerance_percent: int


class StageCounts(msgspec.Struct):
    selected: int
    contracted: int
    delivered: int
    opened: int


class OverdueOut(msgspec.Struct):
    project_id: int
    hromada_name: str
    hromada_code: str
    key: str
    title_uk: str
    title_en: str
    due_date: datetime.date
    days_late: int


class OblastMoney(msgspec.Struct):
    oblast_code: str
    oblast_name_uk: str
    oblast_name_en: str
    projects: int
    planned: Amounts
    contracted: Amounts
    accepted: Amounts


class DashboardOut(msgspec.Struct):
    today: datetime.date
    projects: int
    stages: StageCounts
    reached: StageCounts
    overdue: list[OverdueOut]
    per_oblast: list[OblastMoney]
    totals: Totals
    rate: str | None


def fields_of(struct: type[msgspec.Struct], row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in struct.__struct_fields__ if name in row}


def totals_out(totals: dict[str, Any]) -> Totals:
    return Totals(**{kind: Amounts(**totals[kind]) for kind in ("planned", "contracted", "accepted")})


def lot_out(lot: dict[str, Any]) -> LotOut:
    return LotOut(
        **{
            **fields_of(LotOut, lot),
            "items": [LotItemOut(**fields_of(LotItemOut, i)) for i in lot["items"]],
            "deliveries": [DeliveryOut(**fields_of(DeliveryOut, d)) for d in lot["deliveries"]],
        }
    )


def project_out(detail: dict[str, Any]) -> ProjectOut:
    project = detail["project"]
    return ProjectOut(
        **fields_of(ProjectSummary, project),
        stage=detail["stage"],
        totals=totals_out(detail["totals"]),
        package=[PackageItemOut(**fields_of(PackageItemOut, p)) for p in detail["package"]],
        lots=[lot_out(lot) for lot in detail["lots"]],
        milestones=[MilestoneOut(**fields_of(MilestoneOut, m)) for m in detail["milestones"]],
    )


def dashboard_out(data: dict[str, Any]) -> DashboardOut:
    return DashboardOut(
        today=data["today"],
        projects=len(data["projects"]),
        stages=StageCounts(**data["stages"]),
        reached=StageCounts(**data["reached"]),
        overdue=[OverdueOut(**o) for o in data["overdue"]],
        per_oblast=[
            OblastMoney(
                **{**fields_of(OblastMoney, o), **{k: Amounts(**o[k]) for k in ("planned", "contracted", "accepted")}}
            )
            for o in data["per_oblast"]
        ],
        totals=totals_out(data["totals"]),
        rate=data["rate"],
    )
