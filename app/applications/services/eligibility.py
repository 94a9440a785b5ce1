"""The eligibility verdict of a hromada in a round: the facts gathered from the registry, the answers and documents,
judged by the round's rules; the live check and the registry-wide list. It must not file or change an application."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from app.accounts.services.users import CurrentUser
from app.applications.forms import clean_answers
from app.applications.labels import verdict_labels
from app.applications.rules.evaluation import evaluate
from app.applications.rules.kinds import ROOT, Facts, child_path, children
from app.applications.services.applications import hromada_application_id
from app.applications.services.documents import document_kinds as attached_kinds
from app.applications.services.rounds import now_utc, visible_round
from app.applications.tables import Application
from app.platform.errors import DomainError, NotAllowed, NotFound
from app.platform.i18n import _, to_kyiv
from app.registry.tables import Hromada


def no_rules_verdict() -> dict[str, Any]:
    """The verdict of a round without rules: eligible, nothing checked."""
    return {"eligible": True, "checks": []}


def _fact_columns() -> list:
    """What the rules read of a hromada."""
    return [
        Hromada.id,
        Hromada.code,
        Hromada.name,
        Hromada.full_name,
        Hromada.type,
        Hromada.population,
        Hromada.amalgamated_on,
        Hromada.oblast.code.as_alias("oblast_code"),
    ]


async def hromada_facts(hromada_code: str) -> dict[str, Any]:
    """The registry's facts of the hromada with ``hromada_code``; 404 naming the code when there is none."""
    row = await Hromada.select(*_fact_columns()).where(Hromada.code == hromada_code).first()
    if row is None:
        raise NotFound(_("There is no hromada with the code %(code)s in the registry.", code=hromada_code))
    return row


def _won_earlier_round(round_: dict[str, Any]):
    """The where clause of the programme's applications selected in another round."""
    return (
        (Application.status == "selected")
        & (Application.round.programme == round_["programme"])
        & (Application.round != round_["id"])
    )


async def previous_winner(*, hromada_id: int, round_: dict[str, Any]) -> bool:
    return await Application.exists().where((Application.hromada == hromada_id) & _won_earlier_round(round_))


def as_of_date(round_: dict[str, Any]) -> date:
    deadline = round_["deadline"] or now_utc()
    return to_kyiv(deadline).date()


async def verdict_for(
    *, round_: dict[str, Any], hromada: dict[str, Any], answers: dict[str, Any], document_kinds: set[str]
) -> dict[str, Any]:
    rules = round_["rules"]
    if not rules:
        return no_rules_verdict()
    facts = Facts(
        hromada=hromada,
        answers=answers,
        document_kinds=frozenset(document_kinds),
        previous_winner=await previous_winner(hromada_id=hromada["id"], round_=round_),
        as_of=as_of_date(round_),
    )
    return evaluate(rules, facts, labels=verdict_labels(round_))


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
    hromada = await hromada_facts(hromada_code)
    answers = clean_answers(round_["questions"], answers or {}, strict=False)
    kinds = set(document_kinds or [])
    if document_kinds is None:
        application_id = await hromada_application_id(round_id=round_id, hromada_id=hromada["id"])
        if application_id:
            kinds = await attached_kinds(application_id)
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
    branch = children(node)
    if branch is not None:
        key, steps = branch
        mapped = [_registry_only(child) for _step, child in steps]
        return {"not": mapped[0]} if key == "not" else {key: mapped}
    if node.get("rule", "").startswith("answer_") or node.get("rule") == "documents_required":
        return {"rule": "population_min", "value": 0}
    return node


def _original_paths(tree: Any, path: str = ROOT) -> set[str]:
    """Paths of the population_min leaves the round really has (not the stand-ins of _registry_only)."""
    if not isinstance(tree, dict):
        return set()
    branch = children(tree)
    if branch is not None:
        return set().union(*(_original_paths(child, child_path(path, step)) for step, child in branch[1]))
    return {path} if tree.get("rule") == "population_min" else set()


REGISTRY_COLUMNS = [
    "hromada_code",
    "hromada",
    "oblast",
    "type",
    "population",
    "amalgamated_on",
    "eligible_by_registry",
    "reasons",
]


async def eligibility_rows(*, round_id: int, user: CurrentUser, locale: str) -> Iterator[list[str]]:
    """Every hromada in the registry with its verdict by the round's registry-based rules."""
    round_ = await visible_round(round_id, user)
    rules = _registry_only(round_["rules"]) if round_["rules"] else None
    winners = {
        row["hromada"] for row in await Application.select(Application.hromada).where(_won_earlier_round(round_))
    }
    rows = await Hromada.select(*_fact_columns(), Hromada.oblast.name_uk.as_alias("oblast_name")).order_by(Hromada.code)
    as_of = as_of_date(round_)
    real_minimums = _original_paths(round_["rules"])

    def verdict(row: dict[str, Any]) -> dict[str, Any]:
        if not rules:
            return no_rules_verdict()
        facts = Facts(
            hromada=row, answers={}, document_kinds=frozenset(), previous_winner=row["id"] in winners, as_of=as_of
        )
        return evaluate(rules, facts)

    def generate() -> Iterator[list[str]]:
        yield REGISTRY_COLUMNS
        for row in rows:
            checks = verdict(row)
            reasons = " | ".join(
                check["reason"][locale]
                for check in checks["checks"]
                if check["rule"] != "population_min" or check.get("path", "") in real_minimums
            )
            yield [
                row["code"],
                row["full_name"],
                row["oblast_name"],
                row["type"],
                str(row["population"]),
                row["amalgamated_on"].isoformat() if row["amalgamated_on"] else "",
                "yes" if checks["eligible"] else "no",
                reasons,
            ]

    return generate()
