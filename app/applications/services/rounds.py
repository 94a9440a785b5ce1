"""Programmes and rounds: setting a round up, its state machine, and whether it accepts applications now.
It decides what a round is and when it may change; it must not touch applications (the other services do)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from app.accounts.services.users import CurrentUser
from app.applications.forms import (
    DEFAULT_DOCUMENT_KINDS,
    DEFAULT_QUESTIONS,
    validate_document_kinds,
    validate_questions,
)
from app.applications.rules.kinds import RuleError
from app.applications.rules.validation import validate_rules
from app.applications.services.records import record
from app.applications.tables import Programme, Round
from app.platform import audit
from app.platform.db import PreparedSelect, for_update, json_column, write_transaction
from app.platform.errors import Conflict, InvalidInput, NotFound
from app.platform.i18n import _, format_kyiv, parse_kyiv

ROUND_TRANSITIONS = {
    "draft": ("open",),
    "open": ("closed",),
    "closed": ("under_review", "open"),
    "under_review": ("decided",),
    "decided": ("archived",),
    "archived": (),
}
EDITABLE_WHEN_DRAFT_ONLY = ("rules", "questions", "document_kinds", "programme_code")
ROUND_TEXT_FIELDS = ("title_uk", "title_en", "description_uk", "description_en")
CURRENCIES = ("EUR", "UAH")


class RulesInvalid(InvalidInput):
    """A malformed eligibility tree; the message names the path of the bad node."""


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- Programmes -------------------------------------------------------------------------------


async def ensure_programme(*, code: str, name_uk: str, name_en: str) -> int:
    row = await Programme.select(Programme.id).where(Programme.code == code).first()
    if row:
        return row["id"]
    programme = Programme(code=code, name_uk=name_uk, name_en=name_en)
    await programme.save()
    return programme.id


async def create_programme(*, code: str, name_uk: str, name_en: str, actor: audit.Actor) -> dict[str, Any]:
    code = (code or "").strip().lower()
    if not re.match(r"^[a-z][a-z0-9_-]{1,39}$", code):
        raise InvalidInput(
            _("The programme code must be 2-40 lower-case letters, digits, - or _."), extra={"field": "code"}
        )
    if not (name_uk or "").strip():
        raise InvalidInput(_("Give the programme a name in Ukrainian."), extra={"field": "name_uk"})
    async with write_transaction():
        if await Programme.exists().where(Programme.code == code):
            raise Conflict(_("A programme with the code %(code)s already exists.", code=code), extra={"field": "code"})
        programme = Programme(code=code, name_uk=name_uk.strip(), name_en=(name_en or "").strip())
        await programme.save()
        await record(
            actor,
            "programme.create",
            programme.id,
            after={"code": code, "name_uk": programme.name_uk, "name_en": programme.name_en},
        )
    return programme.to_dict()


async def list_programmes() -> list[dict[str, Any]]:
    return await Programme.select().order_by(Programme.id)


async def programme_id(code: str | None) -> int:
    """The id of the programme with ``code``; 404 naming the code when there is none."""
    programme = await Programme.select(Programme.id).where(Programme.code == (code or "")).first()
    if programme is None:
        raise NotFound(_("There is no programme with the code %(code)s.", code=code or "—"))
    return programme["id"]


# --- Rounds -------------------------------------------------------------------------------------


def _round_columns() -> list:
    return [
        Round.all_columns(),
        Round.programme.code.as_alias("programme_code"),
        Round.programme.name_uk.as_alias("programme_name_uk"),
        Round.programme.name_en.as_alias("programme_name_en"),
    ]


def decode_round(row: dict[str, Any]) -> dict[str, Any]:
    """A round row with its JSON columns read (no rules is None; no documents or questions is an empty list)."""
    for key in ("rules", "document_kinds", "questions"):
        row[key] = json_column(row[key])
    row["document_kinds"] = row["document_kinds"] or []
    row["questions"] = row["questions"] or []
    return row


def _check_rules(rules: Any, questions: list[dict], kinds: list[dict]) -> Any:
    if rules is None:
        return None
    try:
        validate_rules(rules, question_keys={q["key"] for q in questions}, document_kinds={k["key"] for k in kinds})
    except RuleError as error:
        raise RulesInvalid(str(error), extra={"field": "rules", "path": error.path}) from None
    return rules


def _parse_moment(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else parse_kyiv(value.isoformat())
    try:
        return parse_kyiv(str(value))
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a date and time such as 2026-12-31T18:00 (Kyiv time).", field=field),
            extra={"field": field},
        ) from None


def _non_negative_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(_("%(field)s must be a whole number, zero or more.", field=field), extra={"field": field})
    return value


def _currency(value: Any) -> str:
    currency = str(value or "").upper()
    if currency not in CURRENCIES:
        raise InvalidInput(_("The currency must be EUR or UAH."), extra={"field": "currency"})
    return currency


def _title_uk(value: Any) -> str:
    if not str(value or "").strip():
        raise InvalidInput(_("Give the round a title in Ukrainian."), extra={"field": "title_uk"})
    return str(value or "")


async def create_round(*, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    title_uk = _title_uk(data.get("title_uk")).strip()
    programme_code = str(data.get("programme_code") or "").strip()
    programme = await programme_id(programme_code)
    kinds = validate_document_kinds(data.get("document_kinds", DEFAULT_DOCUMENT_KINDS))
    questions = validate_questions(data.get("questions", DEFAULT_QUESTIONS))
    rules = _check_rules(data.get("rules"), questions, kinds)
    currency = _currency(data.get("currency") or "EUR")
    round_ = Round(
        programme=programme,
        title_uk=title_uk,
        title_en=str(data.get("title_en") or "").strip(),
        description_uk=str(data.get("description_uk") or ""),
        description_en=str(data.get("description_en") or ""),
        opens_at=_parse_moment(data.get("opens_at"), "opens_at"),
        deadline=_parse_moment(data.get("deadline"), "deadline"),
        quota=_non_negative_int(data.get("quota", 0), "quota"),
        budget_minor=_non_negative_int(data.get("budget_minor", 0), "budget_minor"),
        currency=currency,
        rules=rules,
        document_kinds=kinds,
        questions=questions,
    )
    async with write_transaction():
        await round_.save()
        await record(
            actor, "round.create", round_.id, after={"title_uk": title_uk, "programme": programme_code, "rules": rules}
        )
    return await get_round(round_.id)


_ROUND_BY_ID = PreparedSelect(
    lambda round_id: Round.select(*_round_columns()).where(Round.id == round_id), params=1, key_lookup=True
)


async def get_round(round_id: int) -> dict[str, Any]:
    row = await _ROUND_BY_ID.first(round_id)
    if row is None:
        raise NotFound(_("There is no such round."))
    return decode_round(row)


async def visible_round(round_id: int, user: CurrentUser | None) -> dict[str, Any]:
    """A round as ``user`` may see it: drafts are for staff only."""
    round_ = await get_round(round_id)
    if round_["status"] == "draft" and not (user and user.is_staff):
        raise NotFound(_("There is no such round."))
    return round_


async def list_rounds(*, user: CurrentUser | None, status: str = "") -> list[dict[str, Any]]:
    query = Round.select(*_round_columns()).order_by(Round.deadline, ascending=False).order_by(Round.id)
    if status:
        query = query.where(Round.status == status)
    if not (user and user.is_staff):
        query = query.where(Round.status != "draft")
    return [decode_round(row) for row in await query]


async def programme_rounds(programme: int) -> list[dict[str, Any]]:
    """The programme's rounds, oldest first, with what an export of their applications needs."""
    rows = (
        await Round.select(Round.id, Round.questions, Round.rules, Round.document_kinds)
        .where(Round.programme == programme)
        .order_by(Round.id)
    )
    return [decode_round(row) for row in rows]


def _changed_values(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The columns ``changes`` sets, each checked; the round's status decides which may change."""
    locked = [key for key in EDITABLE_WHEN_DRAFT_ONLY if key in changes]
    if locked and current["status"] != "draft":
        raise Conflict(
            _(
                "Rules, questions and documents can change only while the round is a draft: %(fields)s.",
                fields=", ".join(locked),
            )
        )
    values: dict[str, Any] = {key: str(changes[key] or "") for key in ROUND_TEXT_FIELDS if key in changes}
    if "title_uk" in values:
        _title_uk(values["title_uk"])
    for key in ("opens_at", "deadline"):
        if key in changes:
            values[key] = _parse_moment(changes[key], key)
    if current["status"] == "open" and "deadline" in values:
        if values["deadline"] is None or values["deadline"] <= now_utc():
            raise Conflict(_("An open round's deadline can only move to a time in the future."))
    for key in ("quota", "budget_minor"):
        if key in changes:
            values[key] = _non_negative_int(changes[key], key)
    if "currency" in changes:
        values["currency"] = _currency(changes["currency"])
    kinds = validate_document_kinds(changes["document_kinds"]) if "document_kinds" in changes else None
    questions = validate_questions(changes["questions"]) if "questions" in changes else None
    if kinds is not None:
        values["document_kinds"] = kinds
    if questions is not None:
        values["questions"] = questions
    if "rules" in changes or kinds is not None or questions is not None:
        values["rules"] = _check_rules(
            changes.get("rules", current["rules"]),
            questions or current["questions"],
            kinds or current["document_kinds"],
        )
    return values


async def update_round(*, round_id: int, changes: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        row = await for_update(Round.select(*_round_columns()).where(Round.id == round_id), Round).first()
        if row is None:
            raise NotFound(_("There is no such round."))
        current = decode_round(row)
        if current["status"] not in ("draft", "open"):
            raise Conflict(_("A round can be edited only while it is a draft or open."))
        values = _changed_values(current, changes)
        if not values:
            return current
        before, after = audit.changed_fields({key: current.get(key) for key in values}, values)
        values["updated_at"] = now_utc()
        await Round.update({getattr(Round, key): value for key, value in values.items()}).where(Round.id == round_id)
        await record(actor, "round.update", round_id, before=before, after=after)
    return await get_round(round_id)


async def transition_round(*, round_id: int, to: str, actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        row = await for_update(
            Round.select(Round.id, Round.status, Round.rules, Round.deadline).where(Round.id == round_id), Round
        ).first()
        if row is None:
            raise NotFound(_("There is no such round."))
        allowed = ROUND_TRANSITIONS[row["status"]]
        if to not in allowed:
            raise Conflict(
                _(
                    "A round that is %(status)s cannot become %(to)s. Allowed next: %(allowed)s.",
                    status=row["status"],
                    to=to,
                    allowed=", ".join(allowed) or "—",
                ),
                extra={"allowed": list(allowed)},
            )
        if to == "open":
            if not json_column(row["rules"]):
                raise Conflict(_("Add eligibility rules before opening the round."))
            if row["deadline"] is None or row["deadline"] <= now_utc():
                raise Conflict(_("Set a deadline in the future before opening the round."))
        await Round.update({Round.status: to, Round.updated_at: now_utc()}).where(Round.id == round_id)
        await record(actor, f"round.{to}", round_id, before={"status": row["status"]}, after={"status": to})
    return await get_round(round_id)


# --- Accepting applications ---------------------------------------------------------------------


def accepting_applications(round_: dict[str, Any], moment: datetime | None = None) -> bool:
    moment = moment or now_utc()
    if round_["status"] != "open" or round_["deadline"] is None:
        return False
    if round_["opens_at"] and moment < round_["opens_at"]:
        return False
    return moment <= round_["deadline"]


def deadline_passed(round_: dict[str, Any]) -> Conflict:
    """The error of an action tried after the round's deadline."""
    return Conflict(
        _("The deadline of this round has passed: %(deadline)s.", deadline=format_kyiv(round_["deadline"])),
        extra={"deadline": round_["deadline"].isoformat() if round_["deadline"] else None},
    )


def not_accepting(round_: dict[str, Any]) -> Conflict:
    """The error of a filing tried while the round does not accept applications, saying why."""
    if round_["status"] == "open" and round_["deadline"] and now_utc() > round_["deadline"]:
        return deadline_passed(round_)
    if round_["status"] == "open" and round_["opens_at"] and now_utc() < round_["opens_at"]:
        return Conflict(_("This round opens for applications on %(when)s.", when=format_kyiv(round_["opens_at"])))
    return Conflict(_("This round is not open for applications."))
