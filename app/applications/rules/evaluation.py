"""The verdict of a rules tree on a hromada's facts: every leaf checked (no short-circuit), each with its reason.
It decides passed or failed and why, in both languages; it must not read any database (the caller gathers facts)."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable

from app.applications.rules.kinds import ROOT, Facts, Labels, Text, child_path, children, is_int, is_number
from app.applications.rules.validation import parse_as_of, validate_rules
from app.applications.rules.words import (
    day,
    in_each_locale,
    label,
    labels_list,
    num,
    quoted,
    sentence,
    show_value,
    type_name,
    yes_no,
)

_YES = frozenset({"yes", "true", "так", "1"})
_NO = frozenset({"no", "false", "ні", "0"})

# The reasons a leaf gives, in Ukrainian and English; the evaluator names one and gives its values.
_REASONS: dict[str, tuple[str, str]] = {
    "population_unknown": (
        "Населення громади невідоме, тож цю умову не можна перевірити.",
        "The hromada's population is not known, so this condition cannot be checked.",
    ),
    "population_within": (
        "Населення {n} не перевищує межу {lim}.",
        "Population {n} is within the limit of {lim}.",
    ),
    "population_above": (
        "Населення {n} перевищує межу {lim}.",
        "Population {n} is above the limit of {lim}.",
    ),
    "population_meets": (
        "Населення {n} не менше за мінімум {lim}.",
        "Population {n} meets the minimum of {lim}.",
    ),
    "population_below": (
        "Населення {n} менше за мінімум {lim}.",
        "Population {n} is below the minimum of {lim}.",
    ),
    "not_amalgamated": (
        "Станом на {cut} громада не була об’єднаною територіальною громадою.",
        "The hromada was not an amalgamated hromada on {cut}.",
    ),
    "amalgamated_before": (
        "Громада об’єдналася {when}, тобто до {cut}.",
        "The hromada was amalgamated on {when}, before {cut}.",
    ),
    "amalgamated_on_cut": (
        "Громада об’єдналася {when}, саме в день граничної дати.",
        "The hromada was amalgamated on {when}, exactly on the cut-off date.",
    ),
    "amalgamated_after": (
        "Громада об’єдналася лише {when}, тобто після {cut}, тож станом на {cut} вона не була об’єднаною.",
        "The hromada was amalgamated only on {when}, after {cut}, so it was not amalgamated on {cut}.",
    ),
    "type_unknown": (
        "Тип громади невідомий; дозволені типи: {names}.",
        "The hromada type is not known; allowed types: {names}.",
    ),
    "type_allowed": (
        "Тип громади — {own}, він серед дозволених ({names}).",
        "The hromada type is {own}, one of the allowed types ({names}).",
    ),
    "type_not_allowed": (
        "Тип громади — {own}, а дозволені лише такі: {names}.",
        "The hromada type is {own}, but only these types are allowed: {names}.",
    ),
    "oblast_unknown": (
        "Область громади невідома, тож цю умову не можна перевірити.",
        "The hromada's oblast is not known, so this condition cannot be checked.",
    ),
    "oblast_admitted": (
        "Область громади ({own}) серед областей, що беруть участь у раунді.",
        "The hromada's oblast ({own}) is among the oblasts admitted to this round.",
    ),
    "oblast_not_admitted": (
        "Область громади ({own}) не бере участі в раунді; дозволені області: {listed}.",
        "The hromada's oblast ({own}) is not admitted to this round; admitted: {listed}.",
    ),
    "oblast_excluded": (
        "Громади з області {own} не можуть брати участь у цьому раунді.",
        "Hromadas of the oblast {own} are excluded from this round.",
    ),
    "oblast_not_excluded": (
        "Область громади ({own}) не входить до виключених з раунду.",
        "The hromada's oblast ({own}) is not among the oblasts excluded from this round.",
    ),
    "won_before": (
        "Громада вже перемогла в одному з попередніх раундів цієї програми.",
        "The hromada already won an earlier round of this programme.",
    ),
    "not_won_before": (
        "Громада ще не перемагала в попередніх раундах цієї програми.",
        "The hromada has not won an earlier round of this programme.",
    ),
    "answer_missing": (
        "Немає відповіді на питання {q}. Заповніть її в заявці.",
        "The answer to {q} is missing. Fill it in on the application.",
    ),
    "answer_not_number": (
        "Відповідь на питання {q} ({got}) не є числом.",
        "The answer to {q} ({got}) is not a number.",
    ),
    "answer_meets_min": (
        "Відповідь на питання {q} — {a}, що не менше за мінімум {lim}.",
        "The answer to {q} is {a}, which meets the minimum of {lim}.",
    ),
    "answer_below_min": (
        "Відповідь на питання {q} — {a}, це менше за мінімум {lim}.",
        "The answer to {q} is {a}, below the minimum of {lim}.",
    ),
    "answer_within_max": (
        "Відповідь на питання {q} — {a}, що не перевищує максимум {lim}.",
        "The answer to {q} is {a}, within the maximum of {lim}.",
    ),
    "answer_above_max": (
        "Відповідь на питання {q} — {a}, це більше за максимум {lim}.",
        "The answer to {q} is {a}, above the maximum of {lim}.",
    ),
    "answer_as_required": (
        "Відповідь на питання {q} — {got}, як і вимагається.",
        "The answer to {q} is {got}, as required.",
    ),
    "answer_not_required": (
        "Відповідь на питання {q} — {got}, а вимагається {want}.",
        "The answer to {q} is {got}, but {want} is required.",
    ),
    "documents_attached": (
        "Усі потрібні документи додано: {names}.",
        "All required documents are attached: {names}.",
    ),
    "documents_missing": (
        "Бракує документів: {names}. Додайте їх до заявки.",
        "Missing documents: {names}. Attach them to the application.",
    ),
}

# What a leaf evaluator answers: passed or not, the reason's key and the values it is filled with.
Outcome = tuple[bool, str, dict[str, object]]


def evaluate(tree: dict, facts: Facts, *, labels: Labels | None = None) -> dict:
    """Judge facts against a rules tree: every leaf is checked (no short-circuit) and explained in uk and en.

    Raises RuleError if the tree is malformed. `labels` maps question, document and oblast keys to {"uk", "en"} titles.
    """
    validate_rules(tree)
    checks: list[dict] = []
    eligible = _eval(tree, ROOT, facts, labels, checks)
    return {"eligible": eligible, "checks": checks}


def _eval(node: dict, path: str, facts: Facts, labels: Labels | None, checks: list[dict]) -> bool:
    branch = children(node)
    if branch is not None:
        key, steps = branch
        results = [_eval(child, child_path(path, step), facts, labels, checks) for step, child in steps]
        return not results[0] if key == "not" else all(results) if key == "all" else any(results)
    kind = node["rule"]
    passed, reason, values = _LEAF_EVALUATORS[kind](node, facts, labels)
    checks.append({"rule": kind, "path": path, "passed": passed, "reason": sentence(_REASONS[reason], values)})
    return passed


def _numbers(value: float | int) -> Text:
    return in_each_locale(lambda locale: num(value, locale))


def _population(node: dict, facts: Facts, labels: Labels | None) -> Outcome:
    kind, limit = node["rule"], node["value"]
    population = facts.hromada.get("population")
    if not is_int(population):
        return False, "population_unknown", {}
    values: dict[str, object] = {"n": _numbers(population), "lim": _numbers(limit)}
    if kind == "population_max":
        return (True, "population_within", values) if population <= limit else (False, "population_above", values)
    return (True, "population_meets", values) if population >= limit else (False, "population_below", values)


def _amalgamated(node: dict, facts: Facts, labels: Labels | None) -> Outcome:
    as_of = parse_as_of(node["as_of"], ROOT) if "as_of" in node else facts.as_of
    on = facts.hromada.get("amalgamated_on")
    if isinstance(on, datetime.datetime):
        on = on.date()
    if not isinstance(on, datetime.date):
        return False, "not_amalgamated", {"cut": day(as_of)}
    values: dict[str, object] = {"when": day(on), "cut": day(as_of)}
    if on < as_of:
        return True, "amalgamated_before", values
    if on == as_of:
        return True, "amalgamated_on_cut", values
    return False, "amalgamated_after", values


def _hromada_type_in(node: dict, facts: Facts, labels: Labels | None) -> Outcome:
    allowed = node["value"]
    kind = facts.hromada.get("type")
    names = in_each_locale(lambda locale: ", ".join(type_name(t, locale) for t in allowed))
    if kind is None or kind == "":
        return False, "type_unknown", {"names": names}
    values: dict[str, object] = {"own": in_each_locale(lambda locale: type_name(kind, locale)), "names": names}
    return (True, "type_allowed", values) if kind in allowed else (False, "type_not_allowed", values)


def _own_oblast(facts: Facts, locale: str, labels: Labels | None) -> str:
    code = facts.hromada.get("oblast_code") or ""
    name = facts.hromada.get("oblast_name")
    if labels and labels.get(code):
        return label(code, locale, labels)
    if isinstance(name, str) and name:
        return f"{name} ({code})"
    return str(code)


def _oblast(node: dict, facts: Facts, labels: Labels | None) -> Outcome:
    kind, codes = node["rule"], node["value"]
    if not facts.hromada.get("oblast_code"):
        return False, "oblast_unknown", {}
    values: dict[str, object] = {
        "own": in_each_locale(lambda locale: _own_oblast(facts, locale, labels)),
        "listed": in_each_locale(lambda locale: labels_list(codes, locale, labels)),
    }
    inside = facts.hromada.get("oblast_code") in codes
    if kind == "oblast_in":
        return (True, "oblast_admitted", values) if inside else (False, "oblast_not_admitted", values)
    return (False, "oblast_excluded", values) if inside else (True, "oblast_not_excluded", values)


def _not_previous_winner(node: dict, facts: Facts, labels: Labels | None) -> Outcome:
    return (False, "won_before", {}) if facts.previous_winner else (True, "not_won_before", {})


def _as_number(answer: object) -> float | int | None:
    """A number from an int/float or a numeric string (a decimal comma is accepted when there is no dot)."""
    if isinstance(answer, bool):
        return None
    if is_number(answer):
        return answer  # type: ignore[return-value]
    if isinstance(answer, str):
        text = answer.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() and re.fullmatch(r"[+-]?[0-9]+", text) else number
    return None


def _as_bool(answer: object) -> bool | None:
    if isinstance(answer, bool):
        return answer
    if is_int(answer) and answer in (0, 1):
        return bool(answer)
    if isinstance(answer, str):
        text = answer.strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
    return None


def _missing(answer: object) -> bool:
    return answer is None or (isinstance(answer, str) and not answer.strip())


def _answer_bound(node: dict, facts: Facts, labels: Labels | None) -> Outcome:
    kind, limit = node["rule"], node["value"]
    q = in_each_locale(lambda locale: quoted(label(node["field"], locale, labels), locale))
    answer = facts.answers.get(node["field"])
    if _missing(answer):
        return False, "answer_missing", {"q": q}
    number = _as_number(answer)
    if number is None:
        return False, "answer_not_number", {"q": q, "got": in_each_locale(lambda locale: quoted(str(answer), locale))}
    values: dict[str, object] = {"q": q, "a": _numbers(number), "lim": _numbers(limit)}
    if kind == "answer_min":
        return (True, "answer_meets_min", values) if number >= limit else (False, "answer_below_min", values)
    return (True, "answer_within_max", values) if number <= limit else (False, "answer_above_max", values)


def _answer_equals(node: dict, facts: Facts, labels: Labels | None) -> Outcome:
    expected = node["value"]
    q = in_each_locale(lambda locale: quoted(label(node["field"], locale, labels), locale))
    answer = facts.answers.get(node["field"])
    if _missing(answer):
        return False, "answer_missing", {"q": q}
    shown: Callable[[str], str]
    if isinstance(expected, bool):
        got = _as_bool(answer)
        passed = got is not None and got == expected
        shown = lambda locale: yes_no(got, locale) if got is not None else str(answer)  # noqa: E731
    elif is_number(expected):
        number = _as_number(answer)
        passed = number is not None and number == expected
        shown = lambda locale: num(number, locale) if number is not None else str(answer)  # noqa: E731
    else:
        passed = isinstance(answer, str) and answer == expected
        shown = lambda locale: show_value(answer, locale)  # noqa: E731
    values: dict[str, object] = {
        "q": q,
        "got": in_each_locale(lambda locale: quoted(shown(locale), locale)),
        "want": in_each_locale(lambda locale: quoted(show_value(expected, locale), locale)),
    }
    return (True, "answer_as_required", values) if passed else (False, "answer_not_required", values)


def _documents_required(node: dict, facts: Facts, labels: Labels | None) -> Outcome:
    required = list(dict.fromkeys(node["value"]))
    missing = [kind for kind in required if kind not in facts.document_kinds]
    listed = missing or required
    names = in_each_locale(lambda locale: labels_list(listed, locale, labels))
    return (False, "documents_missing", {"names": names}) if missing else (True, "documents_attached", {"names": names})


_LEAF_EVALUATORS: dict[str, Callable[[dict, Facts, Labels | None], Outcome]] = {
    "population_min": _population,
    "population_max": _population,
    "amalgamated": _amalgamated,
    "hromada_type_in": _hromada_type_in,
    "oblast_in": _oblast,
    "oblast_not_in": _oblast,
    "not_previous_winner": _not_previous_winner,
    "answer_min": _answer_bound,
    "answer_max": _answer_bound,
    "answer_equals": _answer_equals,
    "documents_required": _documents_required,
}
