"""Rounds and hromada applications: the rules of filing, submitting, withdrawing and screening."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

from piccolo.query.methods.select import Count as PiccoloCount

from app.accounts.services.users import CurrentUser
from app.applications import eligibility
from app.applications.forms import (
    DEFAULT_DOCUMENT_KINDS,
    DEFAULT_QUESTIONS,
    clean_answers,
    missing_required,
    validate_document_kinds,
    validate_questions,
)
from app.applications.tables import Application, ApplicationRevision, Programme, Round
from app.platform import audit
from app.platform.db import PreparedSelect, for_update, json_column, write_transaction
from app.platform.documents import Uploader, save_document
from app.platform.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from app.platform.i18n import _, format_kyiv, parse_kyiv, to_kyiv
from app.platform.storage import Storage
from app.platform.tables import StoredDocument
from app.registry.tables import Hromada

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
    import re

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
        await audit.record(
            actor=actor,
            action="programme.create",
            object_type="programme",
            object_id=programme.id,
            after={"code": code, "name_uk": programme.name_uk, "name_en": programme.name_en},
        )
    return programme.to_dict()


async def list_programmes() -> list[dict[str, Any]]:
    return await Programme.select().order_by(Programme.id)


# --- Rounds -------------------------------------------------------------------------------------


def _round_columns() -> list:
    return [
        Round.all_columns(),
        Round.programme.code.as_alias("programme_code"),
        Round.programme.name_uk.as_alias("programme_name_uk"),
        Round.programme.name_en.as_alias("programme_name_en"),
    ]


def _decode_round(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("rules", "document_kinds", "questions"):
        row[key] = json_column(row[key])
    row["document_kinds"] = row["document_kinds"] or []
    row["questions"] = row["questions"] or []
    return row


def _check_rules(rules: Any, questions: list[dict], kinds: list[dict]) -> Any:
    if rules is None:
        return None
    try:
        eligibility.validate_rules(
            rules, question_keys={q["key"] for q in questions}, document_kinds={k["key"] for k in kinds}
        )
    except eligibility.RuleError as error:
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


async def create_round(*, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    title_uk = str(data.get("title_uk") or "").strip()
    if not title_uk:
        raise InvalidInput(_("Give the round a title in Ukrainian."), extra={"field": "title_uk"})
    programme_code = str(data.get("programme_code") or "").strip()
    programme = await Programme.select(Programme.id).where(Programme.code == programme_code).first()
    if programme is None:
        raise NotFound(_("There is no programme with the code %(code)s.", code=programme_code or "—"))
    kinds = validate_document_kinds(data.get("document_kinds", DEFAULT_DOCUMENT_KINDS))
    questions = validate_questions(data.get("questions", DEFAULT_QUESTIONS))
    rules = _check_rules(data.get("rules"), questions, kinds)
    currency = str(data.get("currency") or "EUR").upper()
    if currency not in ("EUR", "UAH"):
        raise InvalidInput(_("The currency must be EUR or UAH."), extra={"field": "currency"})
    round_ = Round(
        programme=programme["id"],
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
        await audit.record(
            actor=actor,
            action="round.create",
            object_type="round",
            object_id=round_.id,
            after={"title_uk": title_uk, "programme": programme_code, "rules": rules},
        )
    return await get_round(round_.id)


_ROUND_BY_ID = PreparedSelect(
    lambda round_id: Round.select(*_round_columns()).where(Round.id == round_id), params=1, key_lookup=True
)


async def get_round(round_id: int) -> dict[str, Any]:
    row = await _ROUND_BY_ID.first(round_id)
    if row is None:
        raise NotFound(_("There is no such round."))
    return _decode_round(row)


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
    return [_decode_round(row) for row in await query]


async def update_round(*, round_id: int, changes: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        row = await for_update(Round.select(*_round_columns()).where(Round.id == round_id), Round).first()
        if row is None:
            raise NotFound(_("There is no such round."))
        current = _decode_round(row)
        if current["status"] not in ("draft", "open"):
            raise Conflict(_("A round can be edited only while it is a draft or open."))
        locked = [key for key in EDITABLE_WHEN_DRAFT_ONLY if key in changes]
        if locked and current["status"] != "draft":
            raise Conflict(
                _(
                    "Rules, questions and documents can change only while the round is a draft: %(fields)s.",
                    fields=", ".join(locked),
                )
            )
        values: dict[str, Any] = {}
        for key in ROUND_TEXT_FIELDS:
            if key in changes:
                values[key] = str(changes[key] or "")
        if "title_uk" in values and not values["title_uk"].strip():
            raise InvalidInput(_("Give the round a title in Ukrainian."), extra={"field": "title_uk"})
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
            currency = str(changes["currency"] or "").upper()
            if currency not in ("EUR", "UAH"):
                raise InvalidInput(_("The currency must be EUR or UAH."), extra={"field": "currency"})
            values["currency"] = currency
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
        if not values:
            return current
        values["updated_at"] = now_utc()
        before = {key: current.get(key) for key in values if key != "updated_at"}
        after = {key: values[key] for key in values if key != "updated_at"}
        before, after = audit.changed_fields(before, after)
        await Round.update({getattr(Round, key): value for key, value in values.items()}).where(Round.id == round_id)
        await audit.record(
            actor=actor, action="round.update", object_type="round", object_id=round_id, before=before, after=after
        )
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
        await audit.record(
            actor=actor,
            action=f"round.{to}",
            object_type="round",
            object_id=round_id,
            before={"status": row["status"]},
            after={"status": to},
        )
    return await get_round(round_id)


def accepting_applications(round_: dict[str, Any], moment: datetime | None = None) -> bool:
    moment = moment or now_utc()
    if round_["status"] != "open" or round_["deadline"] is None:
        return False
    if round_["opens_at"] and moment < round_["opens_at"]:
        return False
    return moment <= round_["deadline"]


def _deadline_passed(round_: dict[str, Any]) -> Conflict:
    return Conflict(
        _("The deadline of this round has passed: %(deadline)s.", deadline=format_kyiv(round_["deadline"])),
        extra={"deadline": round_["deadline"].isoformat() if round_["deadline"] else None},
    )


def _not_accepting(round_: dict[str, Any]) -> Conflict:
    if round_["status"] == "open" and round_["deadline"] and now_utc() > round_["deadline"]:
        return _deadline_passed(round_)
    if round_["status"] == "open" and round_["opens_at"] and now_utc() < round_["opens_at"]:
        return Conflict(_("This round opens for applications on %(when)s.", when=format_kyiv(round_["opens_at"])))
    return Conflict(_("This round is not open for applications."))


# --- Eligibility -------------------------------------------------------------------------------


async def _hromada_facts(hromada_code: str) -> dict[str, Any]:
    row = (
        await Hromada.select(
            Hromada.id,
            Hromada.code,
            Hromada.name,
            Hromada.full_name,
            Hromada.type,
            Hromada.population,
            Hromada.amalgamated_on,
            Hromada.oblast.code.as_alias("oblast_code"),
        )
        .where(Hromada.code == hromada_code)
        .first()
    )
    if row is None:
        raise NotFound(_("There is no hromada with the code %(code)s in the registry.", code=hromada_code))
    return row


async def previous_winner(*, hromada_id: int, round_: dict[str, Any]) -> bool:
    return await Application.exists().where(
        (Application.hromada == hromada_id)
        & (Application.status == "selected")
        & (Application.round.programme == round_["programme"])
        & (Application.round != round_["id"])
    )


def as_of_date(round_: dict[str, Any]):
    deadline = round_["deadline"] or now_utc()
    return to_kyiv(deadline).date()


async def verdict_for(
    *, round_: dict[str, Any], hromada: dict[str, Any], answers: dict[str, Any], document_kinds: set[str]
) -> dict[str, Any]:
    rules = round_["rules"]
    if not rules:
        return {"eligible": True, "checks": []}
    facts = eligibility.Facts(
        hromada=hromada,
        answers=answers,
        document_kinds=frozenset(document_kinds),
        previous_winner=await previous_winner(hromada_id=hromada["id"], round_=round_),
        as_of=as_of_date(round_),
    )
    return eligibility.evaluate(rules, facts, labels=verdict_labels(round_))


def verdict_labels(round_: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Question and document titles, so a reason names "Council decision", not ``council_decision``."""
    labels = {q["key"]: {"uk": q["label_uk"], "en": q.get("label_en") or q["label_uk"]} for q in round_["questions"]}
    for kind in round_["document_kinds"]:
        labels[kind["key"]] = {"uk": kind["title_uk"], "en": kind.get("title_en") or kind["title_uk"]}
    return labels


async def eligibility_check(
    *,
    round_id: int,
    hromada_code: str,
    answers: dict[str, Any],
    user: CurrentUser,
    document_kinds: list[str] | None = None,
) -> dict[str, Any]:
    """The verdict for a hromada without filing anything."""
    round_ = await visible_round(round_id, user)
    if user.role == "applicant" and user.hromada_code != hromada_code:
        raise NotFound(_("You can check only your own hromada."))
    if user.role not in ("applicant", "staff", "admin"):
        raise NotAllowed(_("Only hromada leaders and programme staff can check eligibility."))
    hromada = await _hromada_facts(hromada_code)
    answers = clean_answers(round_["questions"], answers or {}, strict=False)
    kinds = set(document_kinds or [])
    if document_kinds is None:
        application = (
            await Application.select(Application.id)
            .where((Application.round == round_id) & (Application.hromada == hromada["id"]))
            .first()
        )
        if application:
            kinds = await _document_kinds(application["id"])
    return await verdict_for(round_=round_, hromada=hromada, answers=_numbers(round_, answers), document_kinds=kinds)


def _numbers(round_: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Best-effort typed answers for a live check (a draft may hold anything)."""
    typed = {}
    for key, value in answers.items():
        try:
            typed.update(clean_answers(round_["questions"], {key: value}, strict=True))
        except DomainError:
            typed[key] = value
    return typed


def _registry_only(node: Any) -> Any:
    """The tree with answer and document conditions taken as met: what the registry alone decides."""
    if not isinstance(node, dict):
        return node
    if "all" in node:
        return {"all": [_registry_only(child) for child in node["all"]]}
    if "any" in node:
        return {"any": [_registry_only(child) for child in node["any"]]}
    if "not" in node:
        return {"not": _registry_only(node["not"])}
    if node.get("rule", "").startswith("answer_") or node.get("rule") == "documents_required":
        return {"rule": "population_min", "value": 0}
    return node


async def eligibility_rows(*, round_id: int, user: CurrentUser, locale: str) -> Iterator[list[str]]:
    """Every hromada in the registry with its verdict by the round's registry-based rules."""
    round_ = await visible_round(round_id, user)
    rules = _registry_only(round_["rules"]) if round_["rules"] else None
    winners = {
        row["hromada"]
        for row in await Application.select(Application.hromada).where(
            (Application.status == "selected")
            & (Application.round.programme == round_["programme"])
            & (Application.round != round_["id"])
        )
    }
    rows = await Hromada.select(
        Hromada.id,
        Hromada.code,
        Hromada.name,
        Hromada.full_name,
        Hromada.type,
        Hromada.population,
        Hromada.amalgamated_on,
        Hromada.oblast.code.as_alias("oblast_code"),
        Hromada.oblast.name_uk.as_alias("oblast_name"),
    ).order_by(Hromada.code)
    as_of = as_of_date(round_)

    def generate() -> Iterator[list[str]]:
        yield [
            "hromada_code",
            "hromada",
            "oblast",
            "type",
            "population",
            "amalgamated_on",
            "eligible_by_registry",
            "reasons",
        ]
        for row in rows:
            if rules:
                verdict = eligibility.evaluate(
                    rules,
                    eligibility.Facts(
                        hromada=row,
                        answers={},
                        document_kinds=frozenset(),
                        previous_winner=row["id"] in winners,
                        as_of=as_of,
                    ),
                )
            else:
                verdict = {"eligible": True, "checks": []}
            reasons = " | ".join(
                check["reason"][locale]
                for check in verdict["checks"]
                if check["rule"] != "population_min" or check.get("path", "") in _original_paths(round_["rules"])
            )
            yield [
                row["code"],
                row["full_name"],
                row["oblast_name"],
                row["type"],
                str(row["population"]),
                row["amalgamated_on"].isoformat() if row["amalgamated_on"] else "",
                "yes" if verdict["eligible"] else "no",
                reasons,
            ]

    return generate()


def _original_paths(tree: Any, path: str = "rules") -> set[str]:
    """Paths of the population_min leaves the round really has (not the stand-ins of _registry_only)."""
    found: set[str] = set()
    if not isinstance(tree, dict):
        return found
    for combinator in ("all", "any"):
        if combinator in tree:
            for index, child in enumerate(tree[combinator]):
                prefix = f"{combinator}[{index}]" if path == "rules" else f"{path}.{combinator}[{index}]"
                found |= _original_paths(child, prefix)
            return found
    if "not" in tree:
        return _original_paths(tree["not"], "not" if path == "rules" else f"{path}.not")
    if tree.get("rule") == "population_min":
        found.add(path)
    return found


# --- Applications -------------------------------------------------------------------------------


def _decode_application(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("answers", "verdict"):
        if key in row:
            row[key] = json_column(row[key])
    return row


@cache
def _application_columns() -> tuple:
    """Built once: each ``Application.hromada.code``-style join path costs Piccolo a copy of the column.
    Not the rules snapshot: it is kept as the record of the rules an application was judged by, and no page or
    call shows it; decoding it was a fifth of the cost of a page of the applications list."""
    return (
        Application.all_columns(exclude=[Application.rules_snapshot]),
        Application.hromada.code.as_alias("hromada_code"),
        Application.hromada.full_name.as_alias("hromada_name"),
        Application.hromada.population.as_alias("hromada_population"),
        Application.hromada.oblast.code.as_alias("oblast_code"),
        Application.hromada.oblast.name_uk.as_alias("oblast_name_uk"),
        Application.hromada.oblast.name_en.as_alias("oblast_name_en"),
        Application.round.title_uk.as_alias("round_title_uk"),
        Application.round.title_en.as_alias("round_title_en"),
        Application.round.deadline.as_alias("round_deadline"),
    )


def can_view(user: CurrentUser, application: dict[str, Any]) -> bool:
    if user.is_staff:
        return True
    return user.role == "applicant" and user.hromada_id == application["hromada"]


_APPLICATION_BY_ID = PreparedSelect(
    lambda application_id: Application.select(*_application_columns()).where(Application.id == application_id),
    params=1,
    key_lookup=True,
)


async def get_application(*, application_id: int, user: CurrentUser, lock: bool = False) -> dict[str, Any]:
    """The application if ``user`` may see it; otherwise 404, so nobody learns what exists."""
    if lock:
        query = Application.select(*_application_columns()).where(Application.id == application_id)
        row = await for_update(query, Application).first()
    else:
        row = await _APPLICATION_BY_ID.first(application_id)
    if row is None or not can_view(user, row):
        raise NotFound(_("There is no such application among those you can see."))
    return _decode_application(row)


async def _document_kinds(application_id: int) -> set[str]:
    rows = await StoredDocument.select(StoredDocument.kind).where(
        (StoredDocument.owner_type == "application") & (StoredDocument.owner_id == application_id)
    )
    return {row["kind"] for row in rows}


_APPLICATION_DOCUMENTS = PreparedSelect(
    lambda application_id: (
        StoredDocument.select(
            StoredDocument.id,
            StoredDocument.kind,
            StoredDocument.original_filename,
            StoredDocument.size_bytes,
            StoredDocument.content_type,
            StoredDocument.created_at,
        )
        .where((StoredDocument.owner_type == "application") & (StoredDocument.owner_id == application_id))
        .order_by(StoredDocument.id)
    ),
    params=1,
    key_lookup=True,
)


async def application_documents(application_id: int) -> list[dict[str, Any]]:
    return await _APPLICATION_DOCUMENTS.rows(application_id)


async def create_application(
    *, round_id: int, hromada_code: str, answers: dict[str, Any] | None, user: CurrentUser, actor: audit.Actor
) -> dict[str, Any]:
    if user.role != "applicant" or user.hromada_code != hromada_code:
        raise NotFound(_("You can apply only for your own hromada."))
    round_ = await visible_round(round_id, user)
    if not accepting_applications(round_):
        raise _not_accepting(round_)
    cleaned = clean_answers(round_["questions"], answers or {}, strict=False)
    async with write_transaction():
        existing = (
            await Application.select(Application.id)
            .where((Application.round == round_id) & (Application.hromada == user.hromada_id))
            .first()
        )
        if existing:
            raise Conflict(
                _("Your hromada already has an application in this round: number %(id)s.", id=existing["id"]),
                extra={"application_id": existing["id"], "url": f"/applications/{existing['id']}"},
            )
        application = Application(round=round_id, hromada=user.hromada_id, answers=cleaned, created_by=user.id)
        await application.save()
        await ApplicationRevision.insert(
            ApplicationRevision(application=application.id, revision=1, answers=cleaned, saved_by=user.id)
        )
        await audit.record(
            actor=actor,
            action="application.create",
            object_type="application",
            object_id=application.id,
            after={"round": round_id, "hromada": hromada_code, "answers": cleaned},
        )
    return await get_application(application_id=application.id, user=user)


async def _editable(application_id: int, user: CurrentUser) -> tuple[dict[str, Any], dict[str, Any]]:
    application = await get_application(application_id=application_id, user=user, lock=True)
    if user.role != "applicant":
        raise NotAllowed(_("Only the hromada's leader edits its application."))
    if application["status"] != "draft":
        raise Conflict(_("The application was submitted and can no longer change."))
    round_ = await get_round(application["round"])
    if not accepting_applications(round_):
        raise _not_accepting(round_)
    return application, round_


async def save_answers(
    *, application_id: int, answers: dict[str, Any], user: CurrentUser, actor: audit.Actor
) -> dict[str, Any]:
    """Merge ``answers`` into the draft; every save is a new revision."""
    async with write_transaction():
        application, round_ = await _editable(application_id, user)
        cleaned = clean_answers(round_["questions"], answers, strict=False)
        merged = {**(application["answers"] or {}), **cleaned}
        if merged == application["answers"]:
            return application
        revision = application["revision"] + 1
        await Application.update(
            {Application.answers: merged, Application.revision: revision, Application.updated_at: now_utc()}
        ).where(Application.id == application_id)
        await ApplicationRevision.insert(
            ApplicationRevision(application=application_id, revision=revision, answers=merged, saved_by=user.id)
        )
        before, after = audit.changed_fields(application["answers"] or {}, merged)
        await audit.record(
            actor=actor,
            action="application.save",
            object_type="application",
            object_id=application_id,
            before=before,
            after=after,
        )
    return await get_application(application_id=application_id, user=user)


async def add_document(
    *,
    application_id: int,
    kind: str,
    filename: str,
    data: bytes,
    user: CurrentUser,
    actor: audit.Actor,
    storage: Storage,
) -> dict[str, Any]:
    """Store a document of ``kind``; it replaces the draft's earlier document of that kind."""
    application, round_ = await _editable(application_id, user)
    spec = next((k for k in round_["document_kinds"] if k["key"] == kind), None)
    if spec is None:
        raise InvalidInput(
            _(
                "This round does not ask for documents of kind %(kind)s. Kinds: %(kinds)s.",
                kind=kind or "—",
                kinds=", ".join(k["key"] for k in round_["document_kinds"]),
            ),
            extra={"field": "kind"},
        )
    from app.platform.documents import DEFAULT_ALLOWED_TYPES

    document = await save_document(
        storage=storage,
        data=data,
        filename=filename,
        uploader=Uploader(id=user.id, role=user.role, hromada_id=user.hromada_id),
        actor=actor,
        max_bytes=spec["max_bytes"],
        owner_type="application",
        owner_id=application_id,
        kind=kind,
        allowed_types={t: DEFAULT_ALLOWED_TYPES[t] for t in spec["types"]},
    )
    replaced = await StoredDocument.select(StoredDocument.id, StoredDocument.key).where(
        (StoredDocument.owner_type == "application")
        & (StoredDocument.owner_id == application_id)
        & (StoredDocument.kind == kind)
        & (StoredDocument.id != document["id"])
    )
    for old in replaced:
        await _remove_document(old, application_id=application_id, actor=actor, storage=storage)
    return document


async def _remove_document(
    document: dict[str, Any], *, application_id: int, actor: audit.Actor, storage: Storage
) -> None:
    async with write_transaction():
        await StoredDocument.delete().where(StoredDocument.id == document["id"])
        await audit.record(
            actor=actor,
            action="document.delete",
            object_type="document",
            object_id=document["id"],
            before={"application": application_id, "key": document["key"]},
        )
    try:
        await storage.delete(document["key"])
    except Exception:  # noqa: BLE001 - an orphaned object is harmless; the record is gone
        pass


async def delete_document(
    *, application_id: int, document_id: int, user: CurrentUser, actor: audit.Actor, storage: Storage
) -> None:
    await _editable(application_id, user)
    document = (
        await StoredDocument.select(StoredDocument.id, StoredDocument.key)
        .where(
            (StoredDocument.id == document_id)
            & (StoredDocument.owner_type == "application")
            & (StoredDocument.owner_id == application_id)
        )
        .first()
    )
    if document is None:
        raise NotFound(_("There is no such document in this application."))
    await _remove_document(document, application_id=application_id, actor=actor, storage=storage)


async def get_application_document(*, application_id: int, document_id: int, user: CurrentUser) -> dict[str, Any]:
    await get_application(application_id=application_id, user=user)
    document = (
        await StoredDocument.select()
        .where(
            (StoredDocument.id == document_id)
            & (StoredDocument.owner_type == "application")
            & (StoredDocument.owner_id == application_id)
        )
        .first()
    )
    if document is None:
        raise NotFound(_("There is no such document in this application."))
    return document


async def submit(*, application_id: int, user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        application = await get_application(application_id=application_id, user=user, lock=True)
        if user.role != "applicant":
            raise NotAllowed(_("Only the hromada's leader submits its application."))
        round_ = await get_round(application["round"])
        if application["status"] != "draft":
            raise Conflict(_("This application was already submitted."))
        # One moment for the deadline check and the stored time, so an accepted submission never reads
        # as later than the deadline.
        submitted_at = now_utc()
        if round_["deadline"] and submitted_at > round_["deadline"]:
            raise _deadline_passed(round_)
        if not accepting_applications(round_, submitted_at):
            raise _not_accepting(round_)
        answers = clean_answers(round_["questions"], application["answers"] or {}, strict=True)
        kinds = await _document_kinds(application_id)
        missing_answers = missing_required(round_["questions"], answers)
        missing_documents = [k["key"] for k in round_["document_kinds"] if k["required"] and k["key"] not in kinds]
        if missing_answers or missing_documents:
            labels = {q["key"]: q for q in round_["questions"]} | {k["key"]: k for k in round_["document_kinds"]}
            names = [_label(labels[key]) for key in missing_answers + missing_documents]
            raise InvalidInput(
                _("Complete the application before submitting. Missing: %(missing)s.", missing="; ".join(names)),
                extra={"missing_answers": missing_answers, "missing_documents": missing_documents},
            )
        hromada = await _hromada_facts(application["hromada_code"])
        verdict = await verdict_for(round_=round_, hromada=hromada, answers=answers, document_kinds=kinds)
        await Application.update(
            {
                Application.status: "submitted",
                Application.answers: answers,
                Application.submitted_at: submitted_at,
                Application.verdict: verdict,
                Application.rules_snapshot: round_["rules"],
                Application.eligible: verdict["eligible"],
                Application.updated_at: submitted_at,
            }
        ).where(Application.id == application_id)
        await audit.record(
            actor=actor,
            action="application.submit",
            object_type="application",
            object_id=application_id,
            before={"status": "draft"},
            after={"status": "submitted", "eligible": verdict["eligible"]},
        )
    return await get_application(application_id=application_id, user=user)


def _label(spec: dict[str, Any]) -> str:
    from app.platform.i18n import pick

    if "label_uk" in spec:
        return pick(spec["label_uk"], spec.get("label_en", ""))
    return pick(spec["title_uk"], spec.get("title_en", ""))


async def withdraw(*, application_id: int, user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        application = await get_application(application_id=application_id, user=user, lock=True)
        if user.role != "applicant":
            raise NotAllowed(_("Only the hromada's leader withdraws its application."))
        if application["status"] not in ("draft", "submitted"):
            raise Conflict(_("An application that is %(status)s cannot be withdrawn.", status=application["status"]))
        round_ = await get_round(application["round"])
        if round_["deadline"] and now_utc() > round_["deadline"]:
            raise _deadline_passed(round_)
        await Application.update(
            {Application.status: "withdrawn", Application.withdrawn_at: now_utc(), Application.updated_at: now_utc()}
        ).where(Application.id == application_id)
        await audit.record(
            actor=actor,
            action="application.withdraw",
            object_type="application",
            object_id=application_id,
            before={"status": application["status"]},
            after={"status": "withdrawn"},
        )
    return await get_application(application_id=application_id, user=user)


async def screen(
    *, application_id: int, eligible: bool | None, reason: str, user: CurrentUser, actor: audit.Actor
) -> dict[str, Any]:
    """Staff confirm the computed verdict (``eligible`` None or equal to it) or override it with a reason."""
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff screen applications."))
    reason = (reason or "").strip()
    async with write_transaction():
        application = await get_application(application_id=application_id, user=user, lock=True)
        if application["status"] not in ("submitted", "eligible", "ineligible"):
            raise Conflict(
                _("Only submitted applications are screened; this one is %(status)s.", status=application["status"])
            )
        computed = bool((application["verdict"] or {}).get("eligible"))
        decision = computed if eligible is None else eligible
        override = decision != computed
        if override and not reason:
            raise InvalidInput(_("Write the reason for overriding the computed verdict."), extra={"field": "reason"})
        status = "eligible" if decision else "ineligible"
        await Application.update(
            {
                Application.status: status,
                Application.eligible: decision,
                Application.screening_override: override,
                Application.screening_reason: reason,
                Application.screened_by: user.id,
                Application.screened_at: now_utc(),
                Application.updated_at: now_utc(),
            }
        ).where(Application.id == application_id)
        await audit.record(
            actor=actor,
            action="application.screen",
            object_type="application",
            object_id=application_id,
            before={"status": application["status"], "eligible": application["eligible"]},
            after={"status": status, "eligible": decision, "override": override, "reason": reason},
        )
    return await get_application(application_id=application_id, user=user)


APPLICATION_SORTS = {
    "hromada": lambda: Application.hromada.sort_name,
    "oblast": lambda: Application.hromada.oblast.code,
    "population": lambda: Application.hromada.population,
    "submitted": lambda: Application.submitted_at,
    "status": lambda: Application.status,
    "eligible": lambda: Application.eligible,
}


async def list_applications(
    *,
    round_id: int,
    user: CurrentUser,
    status: str = "",
    oblast: str = "",
    q: str = "",
    eligible: str = "",
    limit: int = 50,
    offset: int = 0,
    sort: str = "",
    known_total: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """``sort`` is a key of APPLICATION_SORTS, "-" in front for descending; submission order otherwise.
    ``known_total``: the number of matches when the caller has it already (the count query is then skipped)."""
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff see all applications of a round."))
    await get_round(round_id)
    filters = {
        "status": status,
        "oblast": oblast,
        "q": f"%{q.strip().casefold()}%" if q.strip() else "",
        "eligible": (eligible == "yes") if eligible in ("yes", "no") else None,
    }
    given = tuple(name for name, value in filters.items() if value not in ("", None))
    select, count = _application_list_selects(given, sort, limit, offset)
    values = (round_id, *(filters[name] for name in given))
    rows = await select.rows(*values)
    if known_total is None:
        counted = await count.first(*values)
        known_total = counted["count"] if counted else 0
    return [_decode_application(row) for row in rows], known_total


_LIST_FILTERS = {
    "status": lambda value: Application.status == value,
    "oblast": lambda value: Application.hromada.oblast.code == value,
    "q": lambda value: Application.hromada.search_text.like(value),
    "eligible": lambda value: Application.eligible == value,
}


@lru_cache(maxsize=512)
def _application_list_selects(
    given: tuple[str, ...], sort: str, limit: int, offset: int
) -> tuple[PreparedSelect, PreparedSelect]:
    """The list's select and count for one combination of filters, sort and page (values are parameters)."""

    def where(query, round_id, *values):
        query = query.where(Application.round == round_id)
        if "status" not in given:
            query = query.where(Application.status != "draft")
        for name, value in zip(given, values, strict=True):
            query = query.where(_LIST_FILTERS[name](value))
        return query

    def select(*values):
        column = APPLICATION_SORTS.get(sort.removeprefix("-"), APPLICATION_SORTS["submitted"])()
        query = Application.select(*_application_columns()).order_by(column, ascending=not sort.startswith("-"))
        return where(query.order_by(Application.id), *values).limit(limit).offset(offset)

    def count(*values):
        return where(Application.select(PiccoloCount(alias="count")), *values)

    return PreparedSelect(select, params=1 + len(given)), PreparedSelect(count, params=1 + len(given))


_STATUS_COUNTS = PreparedSelect(
    lambda round_id: (
        Application.select(Application.status, PiccoloCount(alias="n"))
        .where(Application.round == round_id)
        .group_by(Application.status)
    ),
    params=1,
)


async def application_status_counts(*, round_id: int, user: CurrentUser) -> dict[str, int]:
    """How many of the round's applications are in each status (drafts included), for the screening queue."""
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff see all applications of a round."))
    return {row["status"]: row["n"] for row in await _STATUS_COUNTS.rows(round_id)}


async def my_applications(*, user: CurrentUser) -> list[dict[str, Any]]:
    if user.role != "applicant" or user.hromada_id is None:
        return []
    rows = (
        await Application.select(*_application_columns())
        .where(Application.hromada == user.hromada_id)
        .order_by(Application.id, ascending=False)
    )
    return [_decode_application(row) for row in rows]


async def revisions(*, application_id: int, user: CurrentUser) -> list[dict[str, Any]]:
    await get_application(application_id=application_id, user=user)
    rows = (
        await ApplicationRevision.select()
        .where(ApplicationRevision.application == application_id)
        .order_by(ApplicationRevision.revision)
    )
    return [_decode_application(row) for row in rows]


EXPORT_COLUMNS = [
    "id",
    "hromada_code",
    "hromada",
    "oblast",
    "population",
    "status",
    "submitted_at",
    "eligible",
    "override",
    "screening_reason",
    "reasons",
]


async def export_rows(*, round_id: int, user: CurrentUser, locale: str) -> tuple[dict[str, Any], list[list[Any]]]:
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff export applications."))
    round_ = await get_round(round_id)
    rows = (
        await Application.select(*_application_columns())
        .where((Application.round == round_id) & (Application.status != "draft"))
        .order_by(Application.id)
    )
    questions = [q["key"] for q in round_["questions"]]
    out = [_export_row(row, questions, locale) for row in map(_decode_application, rows)]
    return {"round": round_, "header": EXPORT_COLUMNS + [f"answer:{k}" for k in questions]}, out


def _export_row(row: dict[str, Any], questions: list[str], locale: str) -> list[Any]:
    verdict = row["verdict"] or {}
    reasons = " | ".join(c["reason"][locale] for c in verdict.get("checks", []) if not c["passed"])
    answers = row["answers"] or {}
    return [
        row["id"],
        row["hromada_code"],
        row["hromada_name"],
        row["oblast_name_uk"],
        row["hromada_population"],
        row["status"],
        row["submitted_at"].isoformat() if row["submitted_at"] else "",
        "" if row["eligible"] is None else ("yes" if row["eligible"] else "no"),
        "yes" if row["screening_override"] else "",
        row["screening_reason"],
        reasons,
        *[answers.get(key, "") for key in questions],
    ]


EXPORT_BATCH = 500


async def export_stream(
    *, user: CurrentUser, locale: str, round_id: int | None = None, programme_code: str | None = None
) -> tuple[list[str], AsyncIterator[list[list[Any]]]]:
    """The header and the rows of a round's (or a whole programme's) applications, as ``export_rows`` gives them,
    but read a batch at a time: memory holds one batch, whatever the number of applications. A programme's
    export starts each row with its round and has an answer column for every question of any of its rounds."""
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff export applications."))
    if round_id is not None:
        rounds = [await get_round(round_id)]
    else:
        programme = await Programme.select(Programme.id).where(Programme.code == (programme_code or "")).first()
        if programme is None:
            raise NotFound(_("There is no programme with the code %(code)s.", code=programme_code or "—"))
        rounds = [
            _decode_round(row)
            for row in await Round.select(Round.id, Round.questions, Round.rules, Round.document_kinds)
            .where(Round.programme == programme["id"])
            .order_by(Round.id)
        ]
    questions = list(dict.fromkeys(q["key"] for r in rounds for q in r["questions"]))
    round_ids = [r["id"] for r in rounds]
    per_round = round_id is None
    header = (["round"] if per_round else []) + EXPORT_COLUMNS + [f"answer:{k}" for k in questions]

    async def batches() -> AsyncIterator[list[list[Any]]]:
        last = 0
        while round_ids:
            rows = (
                await Application.select(*_application_columns())
                .where(Application.round.is_in(round_ids) & (Application.status != "draft") & (Application.id > last))
                .order_by(Application.id)
                .limit(EXPORT_BATCH)
            )
            if not rows:
                return
            yield [
                ([row["round"]] if per_round else []) + _export_row(row, questions, locale)
                for row in map(_decode_application, rows)
            ]
            last = rows[-1]["id"]

    return header, batches()
