"""The API's shapes for programmes, rounds and applications (msgspec Structs for input and output) and the
builders that turn service rows into them. Shapes only: they must not decide any rule."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
from litestar.datastructures import UploadFile


class ProgrammeIn(msgspec.Struct):
    code: str
    name_uk: str
    name_en: str = ""


class ProgrammeOut(msgspec.Struct):
    id: int
    code: str
    name_uk: str
    name_en: str


class DocumentKind(msgspec.Struct):
    key: str
    title_uk: str
    title_en: str = ""
    required: bool = False
    max_bytes: int = 10 * 1024 * 1024
    types: list[str] = msgspec.field(default_factory=lambda: ["pdf"])


class Question(msgspec.Struct):
    key: str
    label_uk: str
    type: str
    label_en: str = ""
    required: bool = False
    choices: list[str] | None = None


class RoundCreate(msgspec.Struct):
    programme_code: str
    title_uk: str
    title_en: str = ""
    description_uk: str = ""
    description_en: str = ""
    opens_at: str | None = None
    deadline: str | None = None
    quota: int = 0
    budget_minor: int = 0
    currency: str = "EUR"
    rules: dict[str, Any] | None = None
    document_kinds: list[dict[str, Any]] | None = None
    questions: list[dict[str, Any]] | None = None


class RoundOut(msgspec.Struct):
    id: int
    programme_code: str
    title_uk: str
    title_en: str
    description_uk: str
    description_en: str
    opens_at: datetime.datetime | None
    deadline: datetime.datetime | None
    quota: int
    budget_minor: int
    currency: str
    status: str
    rules: dict[str, Any] | None
    document_kinds: list[dict[str, Any]]
    questions: list[dict[str, Any]]


class EligibilityCheckIn(msgspec.Struct):
    hromada_code: str
    answers: dict[str, Any] = msgspec.field(default_factory=dict)
    documents: list[str] | None = None


class ReasonOut(msgspec.Struct):
    uk: str
    en: str


class CheckOut(msgspec.Struct):
    rule: str
    passed: bool
    reason: ReasonOut
    path: str = ""


class VerdictOut(msgspec.Struct):
    eligible: bool
    checks: list[CheckOut]


class ApplicationCreate(msgspec.Struct):
    hromada_code: str
    answers: dict[str, Any] = msgspec.field(default_factory=dict)


class ApplicationPatch(msgspec.Struct):
    answers: dict[str, Any]


class DocumentRef(msgspec.Struct):
    id: int
    kind: str
    original_filename: str
    size_bytes: int
    content_type: str
    download_url: str


class ApplicationOut(msgspec.Struct):
    id: int
    round_id: int
    hromada_code: str
    hromada_name: str
    status: str
    answers: dict[str, Any]
    revision: int
    submitted_at: datetime.datetime | None
    eligible: bool | None
    verdict: VerdictOut | None
    screening_override: bool | None
    screening_reason: str
    documents: list[DocumentRef]


class ApplicationPage(msgspec.Struct):
    total: int
    items: list[ApplicationOut]


class ScreeningIn(msgspec.Struct):
    eligible: bool | None = None
    reason: str = ""


class DocumentUploadIn(msgspec.Struct):
    kind: str
    file: UploadFile


def verdict_out(verdict: dict[str, Any] | None) -> VerdictOut | None:
    if not verdict:
        return None
    return VerdictOut(
        eligible=bool(verdict["eligible"]),
        checks=[
            CheckOut(rule=c["rule"], passed=bool(c["passed"]), reason=ReasonOut(**c["reason"]), path=c.get("path", ""))
            for c in verdict.get("checks", [])
        ],
    )


def round_out(row: dict[str, Any]) -> RoundOut:
    return RoundOut(**{field: row[field] for field in RoundOut.__struct_fields__})


def document_ref(application_id: int, row: dict[str, Any]) -> DocumentRef:
    stored = {field: row[field] for field in ("id", "kind", "original_filename", "size_bytes", "content_type")}
    return DocumentRef(**stored, download_url=f"/api/v1/applications/{application_id}/documents/{row['id']}")


def application_out(row: dict[str, Any], documents: list[dict[str, Any]]) -> ApplicationOut:
    return ApplicationOut(
        id=row["id"],
        round_id=row["round"],
        hromada_code=row["hromada_code"],
        hromada_name=row["hromada_name"],
        status=row["status"],
        answers=row["answers"] or {},
        revision=row["revision"],
        submitted_at=row["submitted_at"],
        eligible=row["eligible"],
        verdict=verdict_out(row["verdict"]),
        screening_override=row["screening_override"],
        screening_reason=row["screening_reason"],
        documents=[document_ref(row["id"], d) for d in documents],
    )


class ApplicationFilters(msgspec.Struct):
    """The filters of a round's applications list (the staff's queue and the API), as the query string gives them."""

    status: str = ""
    oblast: str = ""
    q: str = ""
    eligible: str = ""


def application_filters(status: str = "", oblast: str = "", q: str = "", eligible: str = "") -> ApplicationFilters:
    """A dependency: the list's filters read from the query string."""
    return ApplicationFilters(status=status, oblast=oblast, q=q, eligible=eligible)
