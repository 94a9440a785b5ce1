"""Expert review: rubric, experts and conflicts, assignment, reviews, scores, ranking and selection."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from app.accounts.services.users import CurrentUser
from app.accounts.tables import User
from app.applications.services.rounds import get_round
from app.applications.tables import Application, Round
from app.platform import audit
from app.platform.db import (
    KeyLookup,
    PreparedSelect,
    engine,
    for_update,
    ids_in,
    is_sqlite,
    json_column,
    write_transaction,
)
from app.platform.errors import Conflict, InvalidInput, NotAllowed, NotFound
from app.platform.i18n import _, pick
from app.scoring.rubric import DEFAULT_CRITERIA, diverges, maximum_total, review_total, validate_criteria
from app.scoring.tables import (
    CONFLICT_TYPES,
    Assignment,
    Criterion,
    Moderation,
    Review,
    ReviewScore,
    RoundExpert,
    ScoringConfig,
    Selection,
)
from app.scoring.tables import Conflict as ConflictOfInterest

REVIEWABLE = ("eligible", "under_review", "scored")
RANKED = ("eligible", "under_review", "scored", "selected", "reserve", "rejected")
TIE_BREAKERS = ("population_desc", "population_asc", "submitted_at")
SelectionHook = Callable[[int, list[int], audit.Actor], Awaitable[None]]
_selection_hooks: list[SelectionHook] = []


def on_winners_confirmed(hook: SelectionHook) -> None:
    """A higher package (procurement) asks to hear of winners, without scoring importing it."""
    if hook not in _selection_hooks:
        _selection_hooks.append(hook)


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- Rubric ---------------------------------------------------------------------------------------


async def ensure_rubric(round_id: int) -> None:
    """A round's scoring set-up, created with the default ASC rubric the first time it is needed."""
    await get_round(round_id)
    if await ScoringConfig.exists().where(ScoringConfig.round == round_id):
        return
    async with write_transaction():
        if await ScoringConfig.exists().where(ScoringConfig.round == round_id):
            return
        await ScoringConfig.insert(ScoringConfig(round=round_id))
        await Criterion.insert(*[Criterion(round=round_id, **c) for c in validate_criteria(DEFAULT_CRITERIA)])


_CONFIG = PreparedSelect(
    lambda round_id: ScoringConfig.select().where(ScoringConfig.round == round_id), params=1, key_lookup=True
)
_CRITERIA = PreparedSelect(
    lambda round_id: Criterion.select().where(Criterion.round == round_id).order_by(Criterion.position),
    params=1,
    key_lookup=True,
)


async def get_config(round_id: int) -> dict[str, Any]:
    # One query once the rubric exists (every page of the review asks for it).
    row = await _CONFIG.first(round_id)
    if row is None:
        await ensure_rubric(round_id)
        row = await _CONFIG.first(round_id)
    row["tie_breakers"] = json_column(row["tie_breakers"]) or []
    return row


async def get_criteria(round_id: int) -> list[dict[str, Any]]:
    criteria = await _CRITERIA.rows(round_id)
    if not criteria:  # a rubric always has a criterion: there is none yet
        await ensure_rubric(round_id)
        criteria = await _CRITERIA.rows(round_id)
    return criteria


async def review_began(round_id: int) -> bool:
    return await Review.exists().where((Review.application.round == round_id) & (Review.version > 1))


CONFIG_FIELDS = (
    "overall_threshold",
    "reviews_per_application",
    "divergence_percent",
    "hide_reviews_until",
    "oblast_is_conflict",
    "tie_breakers",
    "show_scores_to_applicants",
    "package_amount_minor",
)


def _clean_config(changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in CONFIG_FIELDS:
        if key not in changes:
            continue
        value = changes[key]
        if key == "overall_threshold":
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise InvalidInput(_("The overall threshold must be a number, zero or more."), extra={"field": key})
        elif key == "reviews_per_application":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
                raise InvalidInput(_("Reviews per application must be between 1 and 10."), extra={"field": key})
        elif key == "divergence_percent":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
                raise InvalidInput(_("The divergence limit must be a percentage above 0."), extra={"field": key})
        elif key == "hide_reviews_until":
            if value not in ("own", "all"):
                raise InvalidInput(_("Hide reviews until must be 'own' or 'all'."), extra={"field": key})
        elif key in ("oblast_is_conflict", "show_scores_to_applicants"):
            value = bool(value)
        elif key == "tie_breakers":
            if not isinstance(value, list) or any(v not in TIE_BREAKERS for v in value):
                raise InvalidInput(
                    _("Tie-breakers must be a list of: %(names)s.", names=", ".join(TIE_BREAKERS)), extra={"field": key}
                )
        elif key == "package_amount_minor":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput(_("The package amount must be a whole number of minor units."), extra={"field": key})
        values[key] = value
    return values


async def replace_rubric(
    *, round_id: int, criteria: list[dict[str, Any]] | None, config: dict[str, Any], actor: audit.Actor
) -> dict[str, Any]:
    await ensure_rubric(round_id)
    cleaned = validate_criteria(criteria) if criteria is not None else None
    values = _clean_config(config)
    async with write_transaction():
        if await review_began(round_id) and (
            cleaned is not None or set(values) & {"overall_threshold", "reviews_per_application"}
        ):
            raise Conflict(_("The rubric cannot change: experts have begun scoring this round."))
        before = await Criterion.select().where(Criterion.round == round_id).order_by(Criterion.position)
        if cleaned is not None:
            await Criterion.delete().where(Criterion.round == round_id)
            await Criterion.insert(*[Criterion(round=round_id, **c) for c in cleaned])
        if values:
            await ScoringConfig.update({getattr(ScoringConfig, k): v for k, v in values.items()}).where(
                ScoringConfig.round == round_id
            )
        await audit.record(
            actor=actor,
            action="rubric.update",
            object_type="round",
            object_id=round_id,
            before={"criteria": [{k: c[k] for k in ("key", "max_points", "weight", "threshold")} for c in before]},
            after={"criteria": cleaned, "config": values},
        )
    return {"config": await get_config(round_id), "criteria": await get_criteria(round_id)}


# --- Experts and conflicts ------------------------------------------------------------------------


async def add_expert(*, round_id: int, email: str, oblast_code: str = "", actor: audit.Actor) -> dict[str, Any]:
    await ensure_rubric(round_id)
    user = (
        await User.select(User.id, User.role, User.name, User.email, User.is_active)
        .where(User.email == (email or "").strip().lower())
        .first()
    )
    if user is None or user.get("role") != "expert" or not user["is_active"]:
        raise NotFound(_("There is no active expert with the email %(email)s.", email=email or "—"))
    async with write_transaction():
        if await RoundExpert.exists().where((RoundExpert.round == round_id) & (RoundExpert.expert == user["id"])):
            raise Conflict(_("This expert is already in the round."))
        await RoundExpert.insert(RoundExpert(round=round_id, expert=user["id"], oblast_code=oblast_code or ""))
        await audit.record(
            actor=actor,
            action="round.expert_add",
            object_type="round",
            object_id=round_id,
            after={"expert": user["email"], "oblast_code": oblast_code},
        )
    return {"id": user["id"], "email": user["email"], "name": user["name"], "oblast_code": oblast_code}


async def list_experts(round_id: int) -> list[dict[str, Any]]:
    """The round's experts by name, with how many reviews each has been assigned and has submitted."""
    experts = (
        await RoundExpert.select(
            RoundExpert.expert,
            RoundExpert.oblast_code,
            RoundExpert.expert.name.as_alias("name"),
            RoundExpert.expert.email.as_alias("email"),
        )
        .where(RoundExpert.round == round_id)
        .order_by(RoundExpert.expert.name)
    )
    counted = await Review.raw(
        """
        SELECT r.expert AS expert, COUNT(*) AS assigned,
            COUNT(*) FILTER (WHERE r.status = 'submitted') AS submitted
        FROM application a JOIN review r ON r.application = a.id
        WHERE a.round = {}
        GROUP BY r.expert
        """,
        round_id,
    )
    counts = {row["expert"]: row for row in counted}
    none = {"assigned": 0, "submitted": 0}
    return [
        {
            "id": e["expert"],
            "name": e["name"],
            "email": e["email"],
            "oblast_code": e["oblast_code"],
            "assigned": counts.get(e["expert"], none)["assigned"],
            "submitted": counts.get(e["expert"], none)["submitted"],
        }
        for e in experts
    ]


async def _conflicted_pairs(round_id: int) -> set[tuple[int, int]]:
    """(expert, application) pairs that must never meet: declared conflicts and, if the round says so,
    the expert's own oblast."""
    pairs = {
        (row["expert"], row["application"])
        for row in await ConflictOfInterest.select(ConflictOfInterest.expert, ConflictOfInterest.application).where(
            ConflictOfInterest.round == round_id
        )
    }
    config = await get_config(round_id)
    if config["oblast_is_conflict"]:
        experts = await RoundExpert.select(RoundExpert.expert, RoundExpert.oblast_code).where(
            (RoundExpert.round == round_id) & (RoundExpert.oblast_code != "")
        )
        if experts:
            applications = await Application.select(
                Application.id, Application.hromada.oblast.code.as_alias("oblast_code")
            ).where(Application.round == round_id)
            for expert in experts:
                pairs |= {
                    (expert["expert"], a["id"]) for a in applications if a["oblast_code"] == expert["oblast_code"]
                }
    return pairs


async def declare_conflict(
    *,
    round_id: int,
    expert_id: int,
    application_id: int,
    type: str,
    note: str,
    user: CurrentUser,
    actor: audit.Actor,
) -> dict[str, Any]:
    """Record a conflict; it takes effect at once: the expert loses the application, which is reassigned."""
    if type not in CONFLICT_TYPES:
        raise InvalidInput(
            _("The conflict type must be one of: %(types)s.", types=", ".join(CONFLICT_TYPES)), extra={"field": "type"}
        )
    if user.role == "expert" and expert_id != user.id:
        raise NotAllowed(_("An expert declares only their own conflicts."))
    if user.role not in ("expert", "staff", "admin"):
        raise NotAllowed(_("Only experts and programme staff declare conflicts of interest."))
    application = (
        await Application.select(Application.id, Application.round).where(Application.id == application_id).first()
    )
    if application is None or application["round"] != round_id:
        raise NotFound(_("There is no such application in this round."))
    if not await RoundExpert.exists().where((RoundExpert.round == round_id) & (RoundExpert.expert == expert_id)):
        raise NotFound(_("This person is not an expert of the round."))
    replacement = None
    async with write_transaction():
        await ConflictOfInterest.insert(
            ConflictOfInterest(
                round=round_id,
                expert=expert_id,
                application=application_id,
                type=type,
                note=note or "",
                declared_by=user.id,
            )
        )
        assignment = (
            await Assignment.select(Assignment.id)
            .where((Assignment.application == application_id) & (Assignment.expert == expert_id))
            .first()
        )
        if assignment:
            await _remove_assignment(assignment["id"])
            replacement = await _assign_one(round_id, application_id)
        await audit.record(
            actor=actor,
            action="conflict.declare",
            object_type="application",
            object_id=application_id,
            after={
                "expert": expert_id,
                "type": type,
                "note": note,
                "unassigned": bool(assignment),
                "reassigned_to": replacement,
            },
        )
    return {"expert": expert_id, "application": application_id, "type": type, "reassigned_to": replacement}


async def _remove_assignment(assignment_id: int) -> None:
    reviews = await Review.select(Review.id).where(Review.assignment == assignment_id)
    for review in reviews:
        await ReviewScore.delete().where(ReviewScore.review == review["id"])
        await Review.delete().where(Review.id == review["id"])
    await Assignment.delete().where(Assignment.id == assignment_id)


async def _loads(round_id: int) -> dict[int, int]:
    loads = {
        row["expert"]: 0 for row in await RoundExpert.select(RoundExpert.expert).where(RoundExpert.round == round_id)
    }
    for row in await Assignment.select(Assignment.expert).where(Assignment.round == round_id):
        loads[row["expert"]] = loads.get(row["expert"], 0) + 1
    return loads


async def _create_assignment(round_id: int, application_id: int, expert_id: int) -> int:
    assignment = Assignment(round=round_id, application=application_id, expert=expert_id)
    await assignment.save()
    await Review.insert(Review(assignment=assignment.id, application=application_id, expert=expert_id))
    await Application.update({Application.status: "under_review"}).where(
        (Application.id == application_id) & (Application.status == "eligible")
    )
    return assignment.id


async def _assign_one(round_id: int, application_id: int) -> int | None:
    """Give ``application_id`` one more expert: the least loaded one free of conflicts."""
    loads = await _loads(round_id)
    conflicted = await _conflicted_pairs(round_id)
    taken = {
        row["expert"]
        for row in await Assignment.select(Assignment.expert).where(Assignment.application == application_id)
    }
    candidates = sorted(
        (load, expert)
        for expert, load in loads.items()
        if expert not in taken and (expert, application_id) not in conflicted
    )
    if not candidates:
        return None
    expert = candidates[0][1]
    await _create_assignment(round_id, application_id, expert)
    return expert


async def auto_assign(*, round_id: int, per_application: int, seed: int, actor: audit.Actor) -> dict[str, Any]:
    """Give each eligible application ``per_application`` experts: never a conflicted one, loads within one
    of each other, and the same result for the same seed."""
    if isinstance(per_application, bool) or not isinstance(per_application, int) or not 1 <= per_application <= 10:
        raise InvalidInput(_("Experts per application must be between 1 and 10."), extra={"field": "per_application"})
    await ensure_rubric(round_id)
    async with write_transaction():
        applications = [
            row["id"]
            for row in await Application.select(Application.id)
            .where((Application.round == round_id) & Application.status.is_in(list(REVIEWABLE)))
            .order_by(Application.id)
        ]
        loads = await _loads(round_id)
        if not loads:
            raise Conflict(_("Add experts to the round before assigning."))
        conflicted = await _conflicted_pairs(round_id)
        existing: dict[int, set[int]] = defaultdict(set)
        for row in await Assignment.select(Assignment.application, Assignment.expert).where(
            Assignment.round == round_id
        ):
            existing[row["application"]].add(row["expert"])
        rng = random.Random(seed)
        order = list(applications)
        rng.shuffle(order)
        experts = sorted(loads)
        rng.shuffle(experts)
        rank = {expert: index for index, expert in enumerate(experts)}
        created, short = [], []
        for application_id in order:
            needed = per_application - len(existing[application_id])
            for _slot in range(max(0, needed)):
                candidates = [
                    e for e in experts if e not in existing[application_id] and (e, application_id) not in conflicted
                ]
                if not candidates:
                    short.append(application_id)
                    break
                expert = min(candidates, key=lambda e: (loads[e], rank[e]))
                loads[expert] += 1
                existing[application_id].add(expert)
                created.append((application_id, expert))
        for application_id, expert in created:
            await _create_assignment(round_id, application_id, expert)
        await audit.record(
            actor=actor,
            action="assignment.auto",
            object_type="round",
            object_id=round_id,
            after={
                "per_application": per_application,
                "seed": seed,
                "created": len(created),
                "short": sorted(set(short)),
            },
        )
    return {"created": len(created), "loads": loads, "short": sorted(set(short))}


async def change_assignments(
    *, round_id: int, add: list[dict[str, int]], remove: list[int], actor: audit.Actor
) -> dict[str, Any]:
    """Staff's manual changes, in one batch: add (application, expert) pairs, remove assignments."""
    await ensure_rubric(round_id)
    async with write_transaction():
        conflicted = await _conflicted_pairs(round_id)
        experts = {
            row["expert"] for row in await RoundExpert.select(RoundExpert.expert).where(RoundExpert.round == round_id)
        }
        added, removed = [], []
        for pair in add:
            application_id, expert_id = int(pair.get("application_id", 0)), int(pair.get("expert_id", 0))
            if expert_id not in experts:
                raise InvalidInput(_("Expert %(id)s is not in this round.", id=expert_id), extra={"field": "add"})
            if (expert_id, application_id) in conflicted:
                raise Conflict(
                    _(
                        "Expert %(expert)s has a conflict of interest with application %(app)s.",
                        expert=expert_id,
                        app=application_id,
                    )
                )
            application = (
                await Application.select(Application.round, Application.status)
                .where(Application.id == application_id)
                .first()
            )
            if application is None or application["round"] != round_id or application["status"] not in REVIEWABLE:
                raise InvalidInput(
                    _("Application %(id)s is not an eligible application of this round.", id=application_id),
                    extra={"field": "add"},
                )
            if await Assignment.exists().where(
                (Assignment.application == application_id) & (Assignment.expert == expert_id)
            ):
                continue
            added.append(await _create_assignment(round_id, application_id, expert_id))
        for assignment_id in remove:
            row = (
                await Assignment.select(Assignment.id)
                .where((Assignment.id == assignment_id) & (Assignment.round == round_id))
                .first()
            )
            if row is None:
                raise NotFound(_("There is no assignment %(id)s in this round.", id=assignment_id))
            await _remove_assignment(assignment_id)
            removed.append(assignment_id)
        await audit.record(
            actor=actor,
            action="assignment.change",
            object_type="round",
            object_id=round_id,
            after={"added": added, "removed": removed},
        )
    return {"added": added, "removed": removed}


async def count_assignments(round_id: int) -> int:
    return await Assignment.count().where(Assignment.round == round_id)


async def list_assignments(round_id: int, *, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """A page of the round's assignments, by application, each with its expert, its hromada and the status and
    total of its review (None before the review exists)."""
    rows = await Assignment.raw(
        """
        SELECT s.id AS id, s.application AS application, s.expert AS expert, u.name AS expert_name,
            h.full_name AS hromada_name, r.id AS review_id, r.status AS review_status, r.total AS review_total
        FROM assignment s
        LEFT JOIN app_user u ON u.id = s.expert
        LEFT JOIN application a ON a.id = s.application
        LEFT JOIN hromada h ON h.id = a.hromada
        LEFT JOIN review r ON r.assignment = s.id
        WHERE s.round = {}
        ORDER BY s.application, s.id
        LIMIT {} OFFSET {}
        """,
        round_id,
        limit,
        offset,
    )
    for row in rows:
        review_id, status, total = row.pop("review_id"), row.pop("review_status"), row.pop("review_total")
        row["review"] = {"id": review_id, "status": status, "total": total} if review_id is not None else None
    return rows


async def experts_assigned(application_ids: list[int]) -> dict[int, set[int]]:
    """For each of these applications, the experts assigned to it."""
    assigned: dict[int, set[int]] = {application_id: set() for application_id in application_ids}
    if application_ids:
        rows = await Assignment.select(Assignment.application, Assignment.expert).where(
            ids_in(Assignment.application, application_ids)
        )
        for row in rows:
            assigned[row["application"]].add(row["expert"])
    return assigned


async def count_submitted_reviews(round_id: int) -> int:
    rows = await Review.raw(
        """
        SELECT COUNT(*) AS n FROM application a JOIN review r ON r.application = a.id
        WHERE a.round = {} AND r.status = 'submitted'
        """,
        round_id,
    )
    return rows[0]["n"]


async def submitted_reviews(round_id: int, *, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """A page of the round's submitted reviews, by application, with their expert and hromada (the staff
    dashboard's reopen list)."""
    return await Review.raw(
        """
        SELECT r.id AS id, r.assignment AS assignment, r.application AS application, r.expert AS expert,
            r.status AS status, r.total AS total, r.submitted_at AS submitted_at,
            u.name AS expert_name, h.full_name AS hromada_name
        FROM application a
        JOIN review r ON r.application = a.id
        LEFT JOIN app_user u ON u.id = r.expert
        LEFT JOIN hromada h ON h.id = a.hromada
        WHERE a.round = {} AND r.status = 'submitted'
        ORDER BY r.application, r.id
        LIMIT {} OFFSET {}
        """,
        round_id,
        limit,
        offset,
    )


async def review_round(review_id: int) -> int:
    """The round a review belongs to (404 when there is no such review)."""
    row = await Review.select(Review.application.round.as_alias("round_id")).where(Review.id == review_id).first()
    if row is None:
        raise NotFound(_("There is no such review."))
    return row["round_id"]


async def list_conflicts(round_id: int) -> list[dict[str, Any]]:
    """The conflicts of interest declared in the round, newest first."""
    return (
        await ConflictOfInterest.select(
            ConflictOfInterest.id,
            ConflictOfInterest.expert,
            ConflictOfInterest.application,
            ConflictOfInterest.type,
            ConflictOfInterest.note,
            ConflictOfInterest.created_at,
            ConflictOfInterest.expert.name.as_alias("expert_name"),
            ConflictOfInterest.application.hromada.full_name.as_alias("hromada_name"),
            ConflictOfInterest.declared_by.name.as_alias("declared_by_name"),
        )
        .where(ConflictOfInterest.round == round_id)
        .order_by(ConflictOfInterest.id, ascending=False)
    )


# --- Reviews ----------------------------------------------------------------------------------------


_MY_ASSIGNMENTS = PreparedSelect(
    lambda expert_id: (
        Review.select(
            Review.assignment.as_alias("assignment_id"),
            Review.application,
            Review.status,
            Review.total,
            Review.version,
            Review.application.round.as_alias("round_id"),
            Review.application.round.title_uk.as_alias("round_title_uk"),
            Review.application.round.title_en.as_alias("round_title_en"),
            Review.application.hromada.full_name.as_alias("hromada_name"),
            Review.application.hromada.oblast.name_uk.as_alias("oblast_name_uk"),
            Review.application.hromada.oblast.name_en.as_alias("oblast_name_en"),
        )
        .where(Review.expert == expert_id)
        .order_by(Review.application.round)
        .order_by(Review.application)
    ),
    params=1,
)


async def my_assignments(*, user: CurrentUser) -> list[dict[str, Any]]:
    return await _MY_ASSIGNMENTS.rows(user.id)


def _review_select(assignment_id: Any):
    return Review.select(Review.all_columns(), Review.application.round.as_alias("round_id")).where(
        Review.assignment == assignment_id
    )


_REVIEW_BY_ASSIGNMENT = PreparedSelect(_review_select, params=1, key_lookup=True)
_SCORES = PreparedSelect(
    lambda review_id: ReviewScore.select().where(ReviewScore.review == review_id), params=1, key_lookup=True
)


async def _review_row(assignment_id: int, user: CurrentUser, *, lock: bool = False) -> dict[str, Any]:
    if lock:
        row = await for_update(_review_select(assignment_id), Review).first()
    else:
        row = await _REVIEW_BY_ASSIGNMENT.first(assignment_id)
    return _own_review(row, user)


def _own_review(row: dict[str, Any] | None, user: CurrentUser) -> dict[str, Any]:
    if row is None or row["expert"] != user.id:
        raise NotFound(_("There is no such assignment among yours."))
    return row


# The review an expert opens and its scores in one round trip: a row per score (one row, with no score, before
# the first save). The review's columns are those of ``_review_select``: every column of the table and its round.
_SCORE_COLUMNS = ("criterion_key", "points", "comment")
_REVIEW_WITH_SCORES = (
    "SELECT "
    + ", ".join(f'r."{c._meta.db_column_name}" AS "{c._meta.name}"' for c in Review._meta.columns)
    + ', a.round AS round_id, s.criterion_key, s.points, s.comment FROM "review" r '
    'JOIN "application" a ON a.id = r.application '
    'LEFT JOIN "review_score" s ON s.review = r.id WHERE r.assignment = {} ORDER BY s.id'
)


def _points_and_comments(score_rows: list[dict[str, Any]]) -> tuple[dict[str, float | None], dict[str, str]]:
    return {r["criterion_key"]: r["points"] for r in score_rows}, {r["criterion_key"]: r["comment"] for r in score_rows}


async def _review_with_scores(
    assignment_id: int, user: CurrentUser
) -> tuple[dict[str, Any], dict[str, float | None], dict[str, str]]:
    rows = await engine().run_querystring(KeyLookup(_REVIEW_WITH_SCORES, assignment_id))
    first = {key: value for key, value in rows[0].items() if key not in _SCORE_COLUMNS} if rows else None
    review = _own_review(first, user)
    return (review, *_points_and_comments([r for r in rows if r["criterion_key"] is not None]))


async def _scores(review_id: int) -> tuple[dict[str, float | None], dict[str, str]]:
    return _points_and_comments(await _SCORES.rows(review_id))


async def get_review(*, assignment_id: int, user: CurrentUser) -> dict[str, Any]:
    review, points, comments = await _review_with_scores(assignment_id, user)
    return {
        **review,
        "scores": points,
        "comments": comments,
        "criteria": await get_criteria(review["round_id"]),
        "others": await visible_other_reviews(review=review),
    }


# The other experts' reviews of an application, each with its scores if it is submitted: a row per score (one
# row, with no score, for a review not submitted).
_OTHER_REVIEWS_WITH_SCORES = (
    "SELECT r.id, r.status, r.total, s.criterion_key, s.points, s.comment "
    'FROM "review" r LEFT JOIN "review_score" s ON s.review = r.id AND r.status = {} '
    "WHERE r.application = {} AND r.id != {} ORDER BY r.id, s.id"
)


async def visible_other_reviews(*, review: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Other experts' reviews of the same application, or None while they are hidden from this expert."""
    if review["status"] != "submitted":
        return None
    config = await get_config(review["round_id"])
    others: dict[int, dict[str, Any]] = {}  # in review order
    for row in await engine().run_querystring(
        KeyLookup(_OTHER_REVIEWS_WITH_SCORES, "submitted", review["application"], review["id"])
    ):
        other = others.setdefault(row["id"], {"status": row["status"], "total": row["total"], "rows": []})
        if row["criterion_key"] is not None:
            other["rows"].append(row)
    if config["hide_reviews_until"] == "all" and any(o["status"] != "submitted" for o in others.values()):
        return None
    submitted = [o for o in others.values() if o["status"] == "submitted"]
    visible = []
    for index, other in enumerate(submitted):
        points, comments = _points_and_comments(other["rows"])
        visible.append({"label": index + 1, "total": other["total"], "scores": points, "comments": comments})
    return visible


def _check_points(criteria: list[dict[str, Any]], scores: dict[str, Any]) -> dict[str, float | None]:
    by_key = {c["key"]: c for c in criteria}
    cleaned: dict[str, float | None] = {}
    for key, value in scores.items():
        criterion = by_key.get(key)
        if criterion is None:
            raise InvalidInput(_("There is no criterion %(key)s in this rubric.", key=key), extra={"field": key})
        if value is None or value == "":
            cleaned[key] = None
            continue
        try:
            points = float(str(value).replace(",", "."))
        except ValueError:
            raise InvalidInput(_("Points for %(key)s must be a number.", key=key), extra={"field": key}) from None
        if not 0 <= points <= criterion["max_points"] or points * 2 != int(points * 2):
            raise InvalidInput(
                _(
                    "Points for %(key)s must be whole or half points from 0 to %(max)s.",
                    key=key,
                    max=criterion["max_points"],
                ),
                extra={"field": key},
            )
        cleaned[key] = points
    return cleaned


async def save_review(
    *,
    assignment_id: int,
    user: CurrentUser,
    scores: dict[str, Any],
    comments: dict[str, str],
    submit: bool,
    version: int,
    actor: audit.Actor,
) -> dict[str, Any]:
    """Save points and comments. ``version`` must be the one the expert saw: a stale save is refused
    (409 with the current review), so two saves never silently overwrite each other."""
    if not isinstance(scores, dict) or not isinstance(comments, dict):
        raise InvalidInput(_("Scores and comments must be objects keyed by criterion."))
    async with write_transaction():
        review = await _review_row(assignment_id, user, lock=True)
        if review["status"] == "submitted":
            raise Conflict(_("This review was submitted and is locked. Ask programme staff to reopen it."))
        if version != review["version"]:
            raise Conflict(
                _(
                    "This review was changed elsewhere (version %(current)s, yours %(yours)s). "
                    "Reload it and save again.",
                    current=review["version"],
                    yours=version,
                ),
                extra={"current_version": review["version"]},
            )
        criteria = await get_criteria(review["round_id"])
        cleaned = _check_points(criteria, scores)
        unknown_comments = set(comments) - {c["key"] for c in criteria}
        if unknown_comments:
            key = sorted(unknown_comments)[0]
            raise InvalidInput(_("There is no criterion %(key)s in this rubric.", key=key), extra={"field": key})
        points, texts = await _scores(review["id"])
        points.update(cleaned)
        texts.update({k: str(v or "") for k, v in comments.items()})
        if submit:
            missing = [c["key"] for c in criteria if points.get(c["key"]) is None]
            if missing:
                raise InvalidInput(
                    _("Score every criterion before submitting. Missing: %(keys)s.", keys=", ".join(missing)),
                    extra={"missing": missing},
                )
        await ReviewScore.delete().where(ReviewScore.review == review["id"])
        await ReviewScore.insert(
            *[
                ReviewScore(
                    review=review["id"],
                    criterion_key=c["key"],
                    points=points.get(c["key"]),
                    comment=texts.get(c["key"], ""),
                )
                for c in criteria
            ]
        )
        total = review_total(criteria, points)
        values = {Review.version: review["version"] + 1, Review.total: total, Review.updated_at: now_utc()}
        if submit:
            values.update({Review.status: "submitted", Review.submitted_at: now_utc()})
        await Review.update(values).where(Review.id == review["id"])
        await audit.record(
            actor=actor,
            action="review.submit" if submit else "review.save",
            object_type="review",
            object_id=review["id"],
            before={"version": review["version"]},
            after={"version": review["version"] + 1, "total": total, "points": points},
        )
        if submit:
            await _mark_scored(review["application"], review["round_id"])
    return await get_review(assignment_id=assignment_id, user=user)


async def _mark_scored(application_id: int, round_id: int) -> None:
    config = await get_config(round_id)
    submitted = await Review.count().where((Review.application == application_id) & (Review.status == "submitted"))
    if submitted >= config["reviews_per_application"]:
        await Application.update({Application.status: "scored"}).where(
            (Application.id == application_id) & (Application.status == "under_review")
        )


async def reopen_review(*, review_id: int, reason: str, actor: audit.Actor) -> None:
    if not (reason or "").strip():
        raise InvalidInput(_("Write why the review is reopened."), extra={"field": "reason"})
    async with write_transaction():
        review = await for_update(
            Review.select(Review.id, Review.status, Review.application).where(Review.id == review_id), Review
        ).first()
        if review is None:
            raise NotFound(_("There is no such review."))
        if review["status"] != "submitted":
            raise Conflict(_("Only a submitted review can be reopened."))
        await Review.update(
            {Review.status: "draft", Review.submitted_at: None, Review.version: Review.version + 1}
        ).where(Review.id == review_id)
        await Application.update({Application.status: "under_review"}).where(
            (Application.id == review["application"]) & (Application.status == "scored")
        )
        await audit.record(
            actor=actor,
            action="review.reopen",
            object_type="review",
            object_id=review_id,
            before={"status": "submitted"},
            after={"status": "draft", "reason": reason},
        )


async def moderate(
    *, application_id: int, score: float, justification: str, user: CurrentUser, actor: audit.Actor
) -> None:
    """Staff record a moderated score for a flagged application; it replaces the mean of the reviews."""
    if not (justification or "").strip():
        raise InvalidInput(_("Write the justification of the moderated score."), extra={"field": "justification"})
    application = (
        await Application.select(Application.id, Application.round).where(Application.id == application_id).first()
    )
    if application is None:
        raise NotFound(_("There is no such application."))
    criteria = await get_criteria(application["round"])
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= maximum_total(criteria):
        raise InvalidInput(
            _("The moderated score must be between 0 and %(max)s.", max=maximum_total(criteria)),
            extra={"field": "score"},
        )
    async with write_transaction():
        before = await Moderation.select().where(Moderation.application == application_id).first()
        await Moderation.delete().where(Moderation.application == application_id)
        await Moderation.insert(
            Moderation(
                application=application_id,
                score=float(score),
                justification=justification.strip(),
                moderated_by=user.id,
            )
        )
        await audit.record(
            actor=actor,
            action="application.moderate",
            object_type="application",
            object_id=application_id,
            before={"score": before["score"]} if before else None,
            after={"score": score, "justification": justification},
        )


# --- Scores and ranking -------------------------------------------------------------------------


async def ranking(round_id: int) -> dict[str, Any]:
    """Every screened-eligible application with its score, flags and rank, in a fixed number of queries.

    Four queries: the config, the criteria, the applications with their review counts, submitted totals and
    moderation (aggregated by the database), and the per-criterion means. Both aggregate queries start from the
    round's applications (the ``application.round`` index), not from every review of every round.
    """
    config = await get_config(round_id)
    criteria = await get_criteria(round_id)
    keys = [c["key"] for c in criteria]
    applications = await _ranked_applications(round_id)
    criterion_means = await _criterion_means(round_id, keys)
    no_means = dict.fromkeys(keys)
    rows = []
    for application in applications:
        app_id = application["id"]
        submitted = _totals(application["totals"])
        means = criterion_means.get(app_id) or dict(no_means)
        moderated = application["moderation_id"] is not None
        score = application["moderated_score"] if moderated else _mean(submitted)
        failed = []
        if submitted:
            failed += [
                c["key"]
                for c in criteria
                if c["threshold"] is not None and means[c["key"]] is not None and means[c["key"]] < c["threshold"]
            ]
            if config["overall_threshold"] is not None and score is not None and score < config["overall_threshold"]:
                failed.append("overall")
        rows.append(
            {
                "application_id": app_id,
                "hromada_code": application["hromada_code"],
                "hromada_name": application["hromada_name"],
                "oblast_code": application["oblast_code"],
                "oblast_name": pick(application["oblast_name_uk"], application["oblast_name_en"]),
                "population": application["population"],
                "submitted_at": application["submitted_at"],
                "status": application["status"],
                "reviews_assigned": application["reviews_assigned"],
                "reviews_submitted": application["reviews_submitted"],
                "totals": submitted,
                "score": round(score, 4) if score is not None else None,
                "criterion_means": means,
                "moderated": moderated,
                "moderation_justification": application["moderation_justification"] if moderated else "",
                "flagged": diverges(submitted, config["divergence_percent"]) and not moderated,
                "failed": failed,
                "passed": score is not None and not failed,
                "amount_minor": _requested_amount(application["requested_amount"], config),
            }
        )
    rows.sort(key=lambda r: _rank_key(r, config["tie_breakers"]))
    for position, row in enumerate(rows, start=1):
        row["rank"] = position
    return {
        "round_id": round_id,
        "criteria": criteria,
        "config": config,
        "rows": rows,
        "maximum": maximum_total(criteria),
    }


# The answer ``requested_amount`` read in SQL: a string unquoted, a number as its JSON text (so that Python parses
# it as json.loads did), anything else (null, true, false, an object, an array) as NULL, which ``_requested_amount``
# turns into the package amount as before. SQLite needs 3.38 for ``->``; FILTER on aggregates needs 3.30.
_REQUESTED_AMOUNT_SQLITE = (
    "CASE json_type(a.answers, '$.requested_amount')"
    " WHEN 'text' THEN json_extract(a.answers, '$.requested_amount')"
    " WHEN 'integer' THEN a.answers -> '$.requested_amount'"
    " WHEN 'real' THEN a.answers -> '$.requested_amount' END"
)
_REQUESTED_AMOUNT_POSTGRES = (
    "CASE json_typeof(a.answers -> 'requested_amount')"
    " WHEN 'string' THEN a.answers ->> 'requested_amount'"
    " WHEN 'number' THEN a.answers ->> 'requested_amount' END"
)
# The submitted reviews' totals, in review order, as text that reads back as the same floats (SQLite's quote()
# and PostgreSQL's float8 output are exact); a total left empty reads "NULL".
_TOTALS_SQLITE = "group_concat(quote(r.total), ',') FILTER (WHERE r.status = 'submitted')"
_TOTALS_POSTGRES = (
    "string_agg(coalesce(r.total::text, 'NULL'), ',' ORDER BY r.id) FILTER (WHERE r.status = 'submitted')"
)


async def _ranked_applications(round_id: int) -> list[dict[str, Any]]:
    """The round's ranked applications with their hromada, oblast and moderation, and per application the
    reviews assigned (any status), the reviews submitted and the submitted totals (text, see ``_totals``).

    The reviews are aggregated per application of the round (from the ``application.round`` index, then
    ``review.application``) before the join: the outer query needs no GROUP BY over its wide rows."""
    sqlite = is_sqlite()
    statuses = ", ".join("{}" for _ in RANKED)
    sql = f"""
        SELECT a.id AS id, a.status AS status, a.submitted_at AS submitted_at,
            {_REQUESTED_AMOUNT_SQLITE if sqlite else _REQUESTED_AMOUNT_POSTGRES} AS requested_amount,
            h.code AS hromada_code, h.full_name AS hromada_name, h.population AS population,
            o.code AS oblast_code, o.name_uk AS oblast_name_uk, o.name_en AS oblast_name_en,
            m.id AS moderation_id, m.score AS moderated_score, m.justification AS moderation_justification,
            coalesce(rv.assigned, 0) AS reviews_assigned, coalesce(rv.submitted, 0) AS reviews_submitted,
            rv.totals AS totals
        FROM application a
        LEFT JOIN hromada h ON h.id = a.hromada
        LEFT JOIN oblast o ON o.id = h.oblast
        LEFT JOIN moderation m ON m.application = a.id
        LEFT JOIN (
            SELECT ra.id AS application, COUNT(*) AS assigned,
                COUNT(*) FILTER (WHERE r.status = 'submitted') AS submitted,
                {_TOTALS_SQLITE if sqlite else _TOTALS_POSTGRES} AS totals
            FROM application ra
            JOIN review r ON r.application = ra.id
            WHERE ra.round = {{}}
            GROUP BY ra.id
        ) rv ON rv.application = a.id
        WHERE a.round = {{}} AND a.status IN ({statuses})
    """
    return await Application.raw(sql, round_id, round_id, *RANKED)


def _totals(text: str | None) -> list[float]:
    """The totals text of ``_ranked_applications`` as floats (None for a submitted review without a total)."""
    return [None if value == "NULL" else float(value) for value in text.split(",")] if text else []


async def _criterion_means(round_id: int, keys: list[str]) -> dict[int, dict[str, float | None]]:
    """Per ranked application, the mean of each criterion over the submitted reviews (AVG skips the criteria
    left empty, as the mean of the scores given; None where no review scored it), rounded to 4 places.

    One row per application, a column per criterion, driven from the round's applications (on SQLite in id
    order, so the GROUP BY needs no sort)."""
    if not keys:
        return {}
    columns = [f"mean_{i}" for i in range(len(keys))]
    means = ", ".join(f"AVG(s.points) FILTER (WHERE s.criterion_key = {{}}) AS {column}" for column in columns)
    statuses = ", ".join("{}" for _ in RANKED)
    sql = f"""
        SELECT a.id AS application, {means}
        FROM application a
        JOIN review r ON r.application = a.id
        JOIN review_score s ON s.review = r.id
        WHERE a.round = {{}} AND a.status IN ({statuses}) AND r.status = 'submitted'
        GROUP BY a.id
    """
    result = {}
    for row in await Application.raw(sql, *keys, round_id, *RANKED):
        values = [row[column] for column in columns]
        result[row["application"]] = {
            key: None if value is None else round(value, 4) for key, value in zip(keys, values, strict=True)
        }
    return result


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _requested_amount(requested: Any, config: dict[str, Any]) -> int:
    """The amount asked for, in minor units (``requested``: the answer's text, a comma as the decimal point
    allowed); the package amount when it is empty or not a number."""
    try:
        if requested not in (None, ""):
            return int(round(float(str(requested).replace(",", ".")) * 100))
    except ValueError:
        pass
    return int(config["package_amount_minor"] or 0)


def _rank_key(row: dict[str, Any], tie_breakers: list[str]) -> tuple:
    key: list[Any] = [0 if row["passed"] else 1, -(row["score"] if row["score"] is not None else -1)]
    for name in tie_breakers:
        if name == "population_desc":
            key.append(-row["population"])
        elif name == "population_asc":
            key.append(row["population"])
        elif name == "submitted_at":
            key.append(row["submitted_at"].timestamp() if row["submitted_at"] else float("inf"))
    key.append(row["application_id"])
    return tuple(key)


# --- Selection -------------------------------------------------------------------------------------


def _limits(quota: Any, budget_minor: Any, oblast_cap: Any) -> tuple[int, int | None, int | None]:
    if isinstance(quota, bool) or not isinstance(quota, int) or quota < 1:
        raise InvalidInput(_("The quota must be a whole number of winners, at least 1."), extra={"field": "quota"})
    for name, value in (("budget_minor", budget_minor), ("oblast_cap", oblast_cap)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise InvalidInput(_("%(field)s must be a whole number above 0.", field=name), extra={"field": name})
    return quota, budget_minor, oblast_cap


async def preview_selection(
    *, round_id: int, quota: int, budget_minor: int | None = None, oblast_cap: int | None = None
) -> dict[str, Any]:
    """Winners down the ranking within the quota, budget and per-oblast cap; the rest that pass form the
    ordered reserve list; those that fail are rejected."""
    quota, budget_minor, oblast_cap = _limits(quota, budget_minor, oblast_cap)
    ranked = await ranking(round_id)
    winners, reserve, rest = [], [], []
    spent, per_oblast = 0, defaultdict(int)
    for row in ranked["rows"]:
        if row["status"] == "withdrawn" or not row["passed"]:
            rest.append(row)
            continue
        fits = (
            len(winners) < quota
            and (budget_minor is None or spent + row["amount_minor"] <= budget_minor)
            and (oblast_cap is None or per_oblast[row["oblast_code"]] < oblast_cap)
        )
        if fits:
            winners.append(row)
            spent += row["amount_minor"]
            per_oblast[row["oblast_code"]] += 1
        else:
            reserve.append(row)
    return {
        "params": {"quota": quota, "budget_minor": budget_minor, "oblast_cap": oblast_cap},
        "winners": winners,
        "reserve": reserve,
        "rest": rest,
        "spent_minor": spent,
        "ranking": ranked,
    }


def _check_limits(winners: list[dict[str, Any]], quota: int, budget_minor: int | None, oblast_cap: int | None) -> None:
    if len(winners) > quota:
        raise InvalidInput(
            _("The selection has %(n)s winners, more than the quota of %(quota)s.", n=len(winners), quota=quota),
            extra={"limit": "quota"},
        )
    spent = sum(w["amount_minor"] for w in winners)
    if budget_minor is not None and spent > budget_minor:
        raise InvalidInput(
            _(
                "The winners' amounts add up to %(spent)s, more than the budget of %(budget)s (minor units).",
                spent=spent,
                budget=budget_minor,
            ),
            extra={"limit": "budget"},
        )
    if oblast_cap is not None:
        per_oblast: dict[str, int] = defaultdict(int)
        for winner in winners:
            per_oblast[winner["oblast_name"]] += 1
        over = sorted(name for name, count in per_oblast.items() if count > oblast_cap)
        if over:
            raise InvalidInput(
                _("More winners than the cap of %(cap)s in: %(oblasts)s.", cap=oblast_cap, oblasts=", ".join(over)),
                extra={"limit": "oblast_cap"},
            )


async def current_selection(round_id: int) -> dict[str, Any] | None:
    row = await Selection.select().where((Selection.round == round_id) & (Selection.status == "confirmed")).first()
    if row:
        for key in ("params", "winners", "reserve"):
            row[key] = json_column(row[key])
    return row


async def confirm_selection(
    *,
    round_id: int,
    quota: int,
    budget_minor: int | None,
    oblast_cap: int | None,
    winners: list[int] | None,
    user: CurrentUser,
    actor: audit.Actor,
) -> dict[str, Any]:
    """Publish the decision. Staff may adjust the preview's winners; the limits are checked again."""
    quota, budget_minor, oblast_cap = _limits(quota, budget_minor, oblast_cap)
    async with write_transaction():
        round_row = await for_update(Round.select(Round.id, Round.status).where(Round.id == round_id), Round).first()
        if round_row is None:
            raise NotFound(_("There is no such round."))
        if await Selection.exists().where((Selection.round == round_id) & (Selection.status == "confirmed")):
            raise Conflict(_("The selection of this round is already confirmed."))
        if round_row["status"] not in ("closed", "under_review"):
            raise Conflict(_("Close the round and review the applications before confirming a selection."))
        preview = await preview_selection(
            round_id=round_id, quota=quota, budget_minor=budget_minor, oblast_cap=oblast_cap
        )
        passing = {row["application_id"]: row for row in preview["winners"] + preview["reserve"]}
        if winners is None:
            chosen = preview["winners"]
        else:
            unknown = [w for w in winners if w not in passing]
            if unknown:
                raise InvalidInput(
                    _(
                        "These applications cannot win (not ranked or failing): %(ids)s.",
                        ids=", ".join(map(str, unknown)),
                    ),
                    extra={"limit": "ranking"},
                )
            chosen = [passing[w] for w in winners]
        _check_limits(chosen, quota, budget_minor, oblast_cap)
        winner_ids = [w["application_id"] for w in chosen]
        reserve_ids = [
            r["application_id"]
            for r in preview["winners"] + preview["reserve"]
            if r["application_id"] not in winner_ids
        ]
        reserve_ids.sort(key=lambda i: passing[i]["rank"])
        rejected = [r["application_id"] for r in preview["rest"] if r["status"] != "withdrawn"]
        if winner_ids:
            await Application.update({Application.status: "selected"}).where(Application.id.is_in(winner_ids))
        if reserve_ids:
            await Application.update({Application.status: "reserve"}).where(Application.id.is_in(reserve_ids))
        if rejected:
            await Application.update({Application.status: "rejected"}).where(Application.id.is_in(rejected))
        await Selection.insert(
            Selection(
                round=round_id, params=preview["params"], winners=winner_ids, reserve=reserve_ids, confirmed_by=user.id
            )
        )
        await Round.update({Round.status: "decided", Round.updated_at: now_utc()}).where(Round.id == round_id)
        await audit.record(
            actor=actor,
            action="selection.confirm",
            object_type="round",
            object_id=round_id,
            before={"status": round_row["status"]},
            after={
                "status": "decided",
                "winners": winner_ids,
                "reserve": reserve_ids,
                "rejected": rejected,
                "params": preview["params"],
            },
        )
        for hook in _selection_hooks:
            await hook(round_id, winner_ids, actor)
    return await current_selection(round_id)


async def promote_from_reserve(*, round_id: int, withdrawn_application_id: int, actor: audit.Actor) -> dict[str, Any]:
    """A winner withdraws: the first reserve that keeps the selection within its limits takes the place."""
    async with write_transaction():
        selection = await for_update(
            Selection.select().where((Selection.round == round_id) & (Selection.status == "confirmed")), Selection
        ).first()
        if selection is None:
            raise Conflict(_("This round has no confirmed selection."))
        winners, reserve, params = (
            json_column(selection["winners"]),
            json_column(selection["reserve"]),
            json_column(selection["params"]),
        )
        if withdrawn_application_id not in winners:
            raise InvalidInput(_("Application %(id)s is not a winner of this round.", id=withdrawn_application_id))
        ranked = {row["application_id"]: row for row in (await ranking(round_id))["rows"]}
        winners.remove(withdrawn_application_id)
        promoted = None
        for candidate in reserve:
            trial = [ranked[w] for w in winners] + [ranked[candidate]]
            try:
                _check_limits(trial, params["quota"], params.get("budget_minor"), params.get("oblast_cap"))
            except InvalidInput:
                continue
            promoted = candidate
            break
        if promoted is not None:
            reserve.remove(promoted)
            winners.append(promoted)
            await Application.update({Application.status: "selected"}).where(Application.id == promoted)
        await Application.update({Application.status: "withdrawn", Application.withdrawn_at: now_utc()}).where(
            Application.id == withdrawn_application_id
        )
        await Selection.update({Selection.winners: winners, Selection.reserve: reserve}).where(
            Selection.id == selection["id"]
        )
        await audit.record(
            actor=actor,
            action="selection.promote",
            object_type="round",
            object_id=round_id,
            after={"withdrawn": withdrawn_application_id, "promoted": promoted},
        )
        if promoted is not None:
            for hook in _selection_hooks:
                await hook(round_id, [promoted], actor)
    return {"withdrawn": withdrawn_application_id, "promoted": promoted, "winners": winners, "reserve": reserve}


async def outcome_for_applicant(*, application: dict[str, Any]) -> dict[str, Any]:
    """What a leader may see of the review: the decision and, if the round allows, the mean scores and the
    experts' comments without their names."""
    round_id = application["round"]
    config = await get_config(round_id)
    decided = application["status"] in ("selected", "reserve", "rejected")
    result: dict[str, Any] = {"status": application["status"], "decided": decided, "scores": None}
    if decided and config["show_scores_to_applicants"]:
        ranked = next((r for r in (await ranking(round_id))["rows"] if r["application_id"] == application["id"]), None)
        comments = []
        for review in await Review.select(Review.id).where(
            (Review.application == application["id"]) & (Review.status == "submitted")
        ):
            _points, texts = await _scores(review["id"])
            comments.append({k: v for k, v in texts.items() if v})
        if ranked:
            result["scores"] = {
                "score": ranked["score"],
                "criterion_means": ranked["criterion_means"],
                "comments": comments,
                "maximum": maximum_total(await get_criteria(round_id)),
            }
    return result


async def review_rows(round_id: int) -> tuple[list[str], list[list[Any]]]:
    """Every review of the round, one row each, with points and comments per criterion (for the XLSX)."""
    criteria = await get_criteria(round_id)
    keys = [c["key"] for c in criteria]
    reviews = (
        await Review.select(
            Review.id,
            Review.application,
            Review.status,
            Review.total,
            Review.submitted_at,
            Review.expert.name.as_alias("expert_name"),
            Review.application.hromada.full_name.as_alias("hromada_name"),
        )
        .where(Review.application.round == round_id)
        .order_by(Review.application)
        .order_by(Review.id)
    )
    scores: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in await ReviewScore.select().where(ReviewScore.review.application.round == round_id):
        scores[row["review"]][row["criterion_key"]] = row
    header = [
        "review",
        "application",
        "hromada",
        "expert",
        "status",
        "total",
        "submitted_at",
        *[f"points:{k}" for k in keys],
        *[f"comment:{k}" for k in keys],
    ]
    rows = []
    for review in reviews:
        own = scores.get(review["id"], {})
        rows.append(
            [
                review["id"],
                review["application"],
                review["hromada_name"],
                review["expert_name"],
                review["status"],
                review["total"],
                review["submitted_at"].isoformat() if review["submitted_at"] else "",
                *[own.get(k, {}).get("points") for k in keys],
                *[own.get(k, {}).get("comment", "") for k in keys],
            ]
        )
    return header, rows


_APPLICATION_FOR_EXPERT = PreparedSelect(
    lambda application_id: Application.select(
        Application.id,
        Application.answers,
        Application.submitted_at,
        Application.verdict,
        Application.hromada.code.as_alias("hromada_code"),
        Application.hromada.full_name.as_alias("hromada_name"),
        Application.hromada.population.as_alias("population"),
        Application.hromada.type.as_alias("hromada_type"),
        Application.hromada.amalgamated_on.as_alias("amalgamated_on"),
        Application.hromada.oblast.name_uk.as_alias("oblast_name_uk"),
        Application.hromada.oblast.name_en.as_alias("oblast_name_en"),
    ).where(Application.id == application_id),
    params=1,
    key_lookup=True,
)


async def assignment_context(
    *, assignment_id: int, user: CurrentUser, review: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What an expert sees beside the scoring form: the application's answers, hromada and documents.
    ``review``: the row ``get_review`` already read for this expert and assignment, to skip reading it again."""
    from app.applications.services.documents import application_documents

    if review is None or review["assignment"] != assignment_id or review["expert"] != user.id:
        review = await _review_row(assignment_id, user)
    application = await _APPLICATION_FOR_EXPERT.first(review["application"])
    application["answers"] = json_column(application["answers"]) or {}
    application["verdict"] = json_column(application["verdict"])
    round_ = await get_round(review["round_id"])
    return {
        "application": application,
        "round": round_,
        "documents": await application_documents(review["application"]),
    }
