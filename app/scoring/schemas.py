from __future__ import annotations

import datetime
from typing import Any

import msgspec


class CriterionIn(msgspec.Struct):
    key: str
    title_uk: str
    max_points: float
    title_en: str = ""
    guidance_uk: str = ""
    guidance_en: str = ""
    weight: float = 1.0
    threshold: float | None = None


class CriterionOut(msgspec.Struct):
    key: str
    title_uk: str
    title_en: str
    guidance_uk: str
    guidance_en: str
    max_points: float
    weight: float
    threshold: float | None


class ScoringConfigOut(msgspec.Struct):
    overall_threshold: float | None
    reviews_per_application: int
    divergence_percent: float
    hide_reviews_until: str
    oblast_is_conflict: bool
    tie_breakers: list[str]
    show_scores_to_applicants: bool
    package_amount_minor: int


class RubricOut(msgspec.Struct):
    criteria: list[CriterionOut]
    config: ScoringConfigOut
    review_began: bool


class RubricIn(msgspec.Struct):
    criteria: list[dict[str, Any]] | None = None
    config: dict[str, Any] = msgspec.field(default_factory=dict)


class ExpertIn(msgspec.Struct):
    email: str
    oblast_code: str = ""


class ExpertOut(msgspec.Struct):
    id: int
    email: str
    name: str
    oblast_code: str
    assigned: int = 0
    submitted: int = 0


class ConflictIn(msgspec.Struct):
    application_id: int
    type: str
    expert_id: int | None = None
    note: str = ""


class ConflictOut(msgspec.Struct):
    expert: int
    application: int
    type: str
    reassigned_to: int | None


class AutoAssignIn(msgspec.Struct):
    per_application: int = 3
    seed: int = 0


class AutoAssignOut(msgspec.Struct):
    created: int
    loads: dict[int, int]
    short: list[int]


class AssignmentChangeIn(msgspec.Struct):
    add: list[dict[str, int]] = msgspec.field(default_factory=list)
    remove: list[int] = msgspec.field(default_factory=list)


class AssignmentChangeOut(msgspec.Struct):
    added: list[int]
    removed: list[int]


class AssignmentOut(msgspec.Struct):
    assignment_id: int
    application_id: int
    round_id: int
    round_title: str
    hromada_name: str
    oblast_name: str
    status: str
    total: float | None
    version: int


class OtherReviewOut(msgspec.Struct):
    label: int
    total: float | None
    scores: dict[str, float | None]
    comments: dict[str, str]


class ReviewOut(msgspec.Struct):
    assignment_id: int
    application_id: int
    status: str
    version: int
    total: float | None
    submitted_at: datetime.datetime | None
    scores: dict[str, float | None]
    comments: dict[str, str]
    criteria: list[CriterionOut]
    others: list[OtherReviewOut] | None


class ReviewIn(msgspec.Struct):
    version: int
    scores: dict[str, Any] = msgspec.field(default_factory=dict)
    comments: dict[str, str] = msgspec.field(default_factory=dict)
    submit: bool = False


class ReopenIn(msgspec.Struct):
    reason: str


class ModerationIn(msgspec.Struct):
    score: float
    justification: str


class RankingRowOut(msgspec.Struct):
    rank: int
    application_id: int
    hromada_code: str
    hromada_name: str
    oblast_code: str
    population: int
    status: str
    reviews_assigned: int
    reviews_submitted: int
    totals: list[float]
    score: float | None
    criterion_means: dict[str, float | None]
    moderated: bool
    flagged: bool
    failed: list[str]
    passed: bool
    amount_minor: int


class RankingOut(msgspec.Struct):
    round_id: int
    maximum: float
    rows: list[RankingRowOut]


class SelectionIn(msgspec.Struct):
    quota: int
    budget_minor: int | None = None
    oblast_cap: int | None = None
    winners: list[int] | None = None


class SelectionOut(msgspec.Struct):
    params: dict[str, Any]
    winners: list[int]
    reserve: list[int]
    rejected: list[int] = msgspec.field(default_factory=list)
    spent_minor: int = 0
    confirmed: bool = False


class PromoteIn(msgspec.Struct):
    withdrawn_application_id: int


class PromoteOut(msgspec.Struct):
    withdrawn: int
    promoted: int | None
    winners: list[int]
    reserve: list[int]


def criterion_out(row: dict[str, Any]) -> CriterionOut:
    return CriterionOut(**{k: row[k] for k in CriterionOut.__struct_fields__})


def ranking_row_out(row: dict[str, Any]) -> RankingRowOut:
    return RankingRowOut(**{k: row[k] for k in RankingRowOut.__struct_fields__})
