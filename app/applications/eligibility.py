"""Eligibility rules of a round: a JSON tree of all/any/not over leaf rules, validated, evaluated and described.

Pure functions, no database and no I/O. Every check carries a reason in Ukrainian and English.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

__all__ = ["RULE_KINDS", "Facts", "RuleError", "describe", "evaluate", "validate_rules"]

RULE_KINDS: tuple[str, ...] = (
    "population_min",
    "population_max",
    "amalgamated",
    "hromada_type_in",
    "oblast_in",
    "oblast_not_in",
    "not_previous_winner",
    "answer_min",
    "answer_max",
    "answer_equals",
    "documents_required",
)

HROMADA_TYPES: dict[str, dict[str, str]] = {
    "urban": {"uk": "міська", "en": "urban"},
    "settlement": {"uk": "селищна", "en": "settlement"},
    "rural": {"uk": "сільська", "en": "rural"},
}

LOCALES = ("uk", "en")
MAX_DEPTH = 20
ROOT = "rules"

_COMBINATORS = ("all", "any", "not")
_NODE_KEYS = (*_COMBINATORS, "rule")
_OBLAST_CODE = re.compile(r"UA[0-9]{17}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LEAF_KEYS: dict[str, frozenset[str]] = {
    "population_min": frozenset({"rule", "value"}),
    "population_max": frozenset({"rule", "value"}),
    "amalgamated": frozenset({"rule", "as_of"}),
    "hromada_type_in": frozenset({"rule", "value"}),
    "oblast_in": frozenset({"rule", "value"}),
    "oblast_not_in": frozenset({"rule", "value"}),
    "not_previous_winner": frozenset({"rule"}),
    "answer_min": frozenset({"rule", "field", "value"}),
    "answer_max": frozenset({"rule", "field", "value"}),
    "answer_equals": frozenset({"rule", "field", "value"}),
    "documents_required": frozenset({"rule", "value"}),
}
_YES = frozenset({"yes", "true", "так", "1"})
_NO = frozenset({"no", "false", "ні", "0"})

Labels = Mapping[str, Mapping[str, str]]
Text = dict[str, str]


class RuleError(ValueError):
    """A malformed rules tree: `path` names the node (root is "rules"), `message` says what is wrong.

    `message_uk` is the same message in Ukrainian, for pages.
    """

    def __init__(self, path: str, message: str, message_uk: str = "") -> None:
        self.path = path
        self.message = message
        self.message_uk = message_uk or message
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class Facts:
    """What the rules are judged on: the hromada, the application's answers and documents, and the date."""

    hromada: Mapping[str, Any]
    answers: Mapping[str, Any]
    document_kinds: frozenset[str]
    previous_winner: bool
    as_of: datetime.date


# ---------------------------------------------------------------- validation


def _child_path(parent: str, step: str) -> str:
    return step if parent == ROOT else f"{parent}.{step}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


def _non_empty_str_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)


def _quote_keys(keys: list[str]) -> str:
    return ", ".join(repr(k) for k in keys)


def validate_rules(
    tree: object, *, question_keys: set[str] | None = None, document_kinds: set[str] | None = None
) -> None:
    """Raise RuleError at the first bad node (depth-first, in document order); return None if the tree is sound."""
    _validate(tree, ROOT, 0, question_keys, document_kinds)


def _validate(
    node: object, path: str, depth: int, question_keys: set[str] | None, document_kinds: set[str] | None
) -> None:
    if depth > MAX_DEPTH:
        raise RuleError(
            path,
            f"rules are nested too deeply (more than {MAX_DEPTH} levels)",
            f"правила вкладено надто глибоко (понад {MAX_DEPTH} рівнів)",
        )
    if not isinstance(node, dict):
        raise RuleError(
            path,
            "a rule must be an object with one of all, any, not or rule",
            "правило має бути об’єктом з одним із ключів all, any, not або rule",
        )
    present = [k for k in _NODE_KEYS if k in node]
    if not present:
        raise RuleError(
            path,
            "a rule needs exactly one of all, any, not or rule",
            "правило має містити рівно один із ключів all, any, not або rule",
        )
    if len(present) > 1:
        both = ", ".join(present)
        raise RuleError(
            path,
            f"a rule must have only one of all, any, not or rule, not several ({both})",
            f"правило має містити лише один із ключів all, any, not або rule, а не кілька ({both})",
        )
    key = present[0]
    if key in ("all", "any"):
        extra = sorted(str(k) for k in node if k != key)
        if extra:
            raise RuleError(
                path,
                f"unknown key {_quote_keys(extra)} next to {key}",
                f"невідомий ключ {_quote_keys(extra)} поруч з {key}",
            )
        children = node[key]
        if not isinstance(children, list) or not children:
            raise RuleError(
                path, f"{key} needs a non-empty list of rules", f"{key} потребує непорожнього списку правил"
            )
        for index, child in enumerate(children):
            _validate(child, _child_path(path, f"{key}[{index}]"), depth + 1, question_keys, document_kinds)
        return
    if key == "not":
        extra = sorted(str(k) for k in node if k != "not")
        if extra:
            raise RuleError(
                path,
                f"unknown key {_quote_keys(extra)} next to not",
                f"невідомий ключ {_quote_keys(extra)} поруч з not",
            )
        _validate(node["not"], _child_path(path, "not"), depth + 1, question_keys, document_kinds)
        return
    _validate_leaf(node, path, question_keys, document_kinds)


def _validate_leaf(node: dict, path: str, question_keys: set[str] | None, document_kinds: set[str] | None) -> None:
    kind = node["rule"]
    if not isinstance(kind, str) or kind not in _LEAF_KEYS:
        known = ", ".join(RULE_KINDS)
        raise RuleError(
            path,
            f"unknown rule kind {kind!r}; known kinds: {known}",
            f"невідомий вид правила {kind!r}; відомі види: {known}",
        )
    extra = sorted(str(k) for k in node if k not in _LEAF_KEYS[kind])
    if extra:
        allowed = ", ".join(sorted(_LEAF_KEYS[kind]))
        raise RuleError(
            path,
            f"unknown key {_quote_keys(extra)} in {kind} (allowed: {allowed})",
            f"невідомий ключ {_quote_keys(extra)} у {kind} (дозволені: {allowed})",
        )
    value = node.get("value")
    if kind in ("population_min", "population_max"):
        if not _is_int(value):
            raise RuleError(path, f"{kind} needs an integer value", f"{kind} потребує цілого значення")
        if value < 0:
            raise RuleError(
                path, f"{kind} needs a non-negative integer value", f"{kind} потребує невід’ємного цілого значення"
            )
    elif kind == "amalgamated":
        if "as_of" in node:
            _parse_as_of(node["as_of"], path)
    elif kind == "hromada_type_in":
        if not _non_empty_str_list(value):
            raise RuleError(
                path,
                f"{kind} needs a non-empty list of hromada types (urban, settlement, rural)",
                f"{kind} потребує непорожнього списку типів громад (urban, settlement, rural)",
            )
        for item in value:
            if item not in HROMADA_TYPES:
                raise RuleError(
                    path,
                    f"{kind}: unknown hromada type {item!r}; use urban, settlement or rural",
                    f"{kind}: невідомий тип громади {item!r}; використайте urban, settlement або rural",
                )
    elif kind in ("oblast_in", "oblast_not_in"):
        if not _non_empty_str_list(value):
            raise RuleError(
                path,
                f"{kind} needs a non-empty list of KATOTTG oblast codes",
                f"{kind} потребує непорожнього списку кодів областей за КАТОТТГ",
            )
        for item in value:
            if not _OBLAST_CODE.fullmatch(item):
                raise RuleError(
                    path,
                    f"{kind}: {item!r} is not a KATOTTG oblast code (UA followed by 17 digits)",
                    f"{kind}: {item!r} не є кодом області за КАТОТТГ (UA і 17 цифр)",
                )
    elif kind in ("answer_min", "answer_max", "answer_equals"):
        field = node.get("field")
        if not isinstance(field, str) or not field:
            raise RuleError(path, f"{kind} needs a field (a question key)", f"{kind} потребує field (ключ питання)")
        if kind == "answer_equals":
            if "value" not in node or not (isinstance(value, (str, bool)) or _is_number(value)):
                raise RuleError(
                    path,
                    f"{kind} needs a value that is a text, a number or true/false",
                    f"{kind} потребує значення: текст, число або true/false",
                )
        elif not _is_number(value):
            raise RuleError(path, f"{kind} needs a numeric value", f"{kind} потребує числового значення")
        if question_keys is not None and field not in question_keys:
            raise RuleError(
                path,
                f"{kind} refers to unknown question {field!r}",
                f"{kind} посилається на невідоме питання {field!r}",
            )
    elif kind == "documents_required":
        if not _non_empty_str_list(value):
            raise RuleError(
                path,
                f"{kind} needs a non-empty list of document kinds",
                f"{kind} потребує непорожнього списку видів документів",
            )
        if document_kinds is not None:
            for item in value:
                if item not in document_kinds:
                    raise RuleError(
                        path,
                        f"{kind} names unknown document kind {item!r}",
                        f"{kind} називає невідомий вид документа {item!r}",
                    )


def _parse_as_of(raw: object, path: str) -> datetime.date:
    if isinstance(raw, str) and _ISO_DATE.fullmatch(raw):
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            pass
    raise RuleError(
        path,
        f"amalgamated as_of must be a date written YYYY-MM-DD, not {raw!r}",
        f"as_of у amalgamated має бути датою у форматі РРРР-ММ-ДД, а не {raw!r}",
    )


# ---------------------------------------------------------------- formatting


def _num(value: float | int, locale: str) -> str:
    try:
        return format_decimal(value, locale=locale)
    except (ArithmeticError, ValueError):  # beyond babel's decimal precision: show it plainly
        return str(value)


def _date(value: datetime.date) -> str:
    return value.isoformat()


def _label(key: str, locale: str, labels: Labels | None) -> str:
    if labels:
        titles = labels.get(key)
        if titles and titles.get(locale):
            return titles[locale]
    return key


def _labels_list(keys: list[str] | tuple[str, ...], locale: str, labels: Labels | None) -> str:
    return ", ".join(_label(k, locale, labels) for k in keys)


def _type_name(kind: object, locale: str) -> str:
    return HROMADA_TYPES.get(kind, {}).get(locale, str(kind)) if isinstance(kind, str) else str(kind)


def _yes_no(value: bool, locale: str) -> str:
    if locale == "uk":
        return "так" if value else "ні"
    return "yes" if value else "no"


def _show_value(value: object, locale: str) -> str:
    if isinstance(value, bool):
        return _yes_no(value, locale)
    if _is_number(value):
        return _num(value, locale)  # type: ignore[arg-type]
    return str(value)


def _quoted(text: str, locale: str) -> str:
    return f"«{text}»" if locale == "uk" else f"“{text}”"


# ---------------------------------------------------------------- evaluation


def evaluate(tree: dict, facts: Facts, *, labels: Labels | None = None) -> dict:
    """Judge facts against a rules tree: every leaf is checked (no short-circuit) and explained in uk and en.

    Raises RuleError if the tree is malformed. `labels` maps question, document and oblast keys to {"uk", "en"} titles.
    """
    validate_rules(tree)
    checks: list[dict] = []
    eligible = _eval(tree, ROOT, facts, labels, checks)
    return {"eligible": eligible, "checks": checks}


def _eval(node: dict, path: str, facts: Facts, labels: Labels | None, checks: list[dict]) -> bool:
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        results = [
            _eval(child, _child_path(path, f"{key}[{i}]"), facts, labels, checks) for i, child in enumerate(node[key])
        ]
        return all(results) if key == "all" else any(results)
    if "not" in node:
        return not _eval(node["not"], _child_path(path, "not"), facts, labels, checks)
    kind = node["rule"]
    passed, reason = _LEAF_EVALUATORS[kind](node, facts, labels)
    checks.append({"rule": kind, "path": path, "passed": passed, "reason": reason})
    return passed


def _population(node: dict, facts: Facts, labels: Labels | None) -> tuple[bool, Text]:
    kind, limit = node["rule"], node["value"]
    population = facts.hromada.get("population")
    if not _is_int(population):
        return False, {
            "uk": "Населення громади невідоме, тож цю умову не можна перевірити.",
            "en": "The hromada's population is not known, so this condition cannot be checked.",
        }
    n = {loc: _num(population, loc) for loc in LOCALES}
    lim = {loc: _num(limit, loc) for loc in LOCALES}
    if kind == "population_max":
        if population <= limit:
            return True, {
                "uk": f"Населення {n['uk']} не перевищує межу {lim['uk']}.",
                "en": f"Population {n['en']} is within the limit of {lim['en']}.",
            }
        return False, {
            "uk": f"Населення {n['uk']} перевищує межу {lim['uk']}.",
            "en": f"Population {n['en']} is above the limit of {lim['en']}.",
        }
    if population >= limit:
        return True, {
            "uk": f"Населення {n['uk']} не менше за мінімум {lim['uk']}.",
            "en": f"Population {n['en']} meets the minimum of {lim['en']}.",
        }
    return False, {
        "uk": f"Населення {n['uk']} менше за мінімум {lim['uk']}.",
        "en": f"Population {n['en']} is below the minimum of {lim['en']}.",
    }


def _amalgamated(node: dict, facts: Facts, labels: Labels | None) -> tuple[bool, Text]:
    as_of = _parse_as_of(node["as_of"], ROOT) if "as_of" in node else facts.as_of
    on = facts.hromada.get("amalgamated_on")
    cut = _date(as_of)
    if isinstance(on, datetime.datetime):
        on = on.date()
    if not isinstance(on, datetime.date):
        return False, {
            "uk": f"Станом на {cut} громада не була об’єднаною територіальною громадою.",
            "en": f"The hromada was not an amalgamated hromada on {cut}.",
        }
    when = _date(on)
    if on < as_of:
        return True, {
            "uk": f"Громада об’єдналася {when}, тобто до {cut}.",
            "en": f"The hromada was amalgamated on {when}, before {cut}.",
        }
    if on == as_of:
        return True, {
            "uk": f"Громада об’єдналася {when}, саме в день граничної дати.",
            "en": f"The hromada was amalgamated on {when}, exactly on the cut-off date.",
        }
    return False, {
        "uk": f"Громада об’єдналася лише {when}, тобто після {cut}, тож станом на {cut} вона не була об’єднаною.",
        "en": f"The hromada was amalgamated only on {when}, after {cut}, so it was not amalgamated on {cut}.",
    }


def _hromada_type_in(node: dict, facts: Facts, labels: Labels | None) -> tuple[bool, Text]:
    allowed = node["value"]
    kind = facts.hromada.get("type")
    names = {loc: ", ".join(_type_name(t, loc) for t in allowed) for loc in LOCALES}
    if kind is None or kind == "":
        return False, {
            "uk": f"Тип громади невідомий; дозволені типи: {names['uk']}.",
            "en": f"The hromada type is not known; allowed types: {names['en']}.",
        }
    own = {loc: _type_name(kind, loc) for loc in LOCALES}
    if kind in allowed:
        return True, {
            "uk": f"Тип громади — {own['uk']}, він серед дозволених ({names['uk']}).",
            "en": f"The hromada type is {own['en']}, one of the allowed types ({names['en']}).",
        }
    return False, {
        "uk": f"Тип громади — {own['uk']}, а дозволені лише такі: {names['uk']}.",
        "en": f"The hromada type is {own['en']}, but only these types are allowed: {names['en']}.",
    }


def _own_oblast(facts: Facts, locale: str, labels: Labels | None) -> str:
    code = facts.hromada.get("oblast_code") or ""
    name = facts.hromada.get("oblast_name")
    if labels and labels.get(code):
        return _label(code, locale, labels)
    if isinstance(name, str) and name:
        return f"{name} ({code})"
    return str(code)


def _oblast(node: dict, facts: Facts, labels: Labels | None) -> tuple[bool, Text]:
    kind, codes = node["rule"], node["value"]
    code = facts.hromada.get("oblast_code")
    own = {loc: _own_oblast(facts, loc, labels) for loc in LOCALES}
    listed = {loc: _labels_list(codes, loc, labels) for loc in LOCALES}
    if not code:
        return False, {
            "uk": "Область громади невідома, тож цю умову не можна перевірити.",
            "en": "The hromada's oblast is not known, so this condition cannot be checked.",
        }
    inside = code in codes
    if kind == "oblast_in":
        if inside:
            return True, {
                "uk": f"Область громади ({own['uk']}) серед областей, що беруть участь у раунді.",
                "en": f"The hromada's oblast ({own['en']}) is among the oblasts admitted to this round.",
            }
        return False, {
            "uk": f"Область громади ({own['uk']}) не бере участі в раунді; дозволені області: {listed['uk']}.",
            "en": f"The hromada's oblast ({own['en']}) is not admitted to this round; admitted: {listed['en']}.",
        }
    if inside:
        return False, {
            "uk": f"Громади з області {own['uk']} не можуть брати участь у цьому раунді.",
            "en": f"Hromadas of the oblast {own['en']} are excluded from this round.",
        }
    return True, {
        "uk": f"Область громади ({own['uk']}) не входить до виключених з раунду.",
        "en": f"The hromada's oblast ({own['en']}) is not among the oblasts excluded from this round.",
    }


def _not_previous_winner(node: dict, facts: Facts, labels: Labels | None) -> tuple[bool, Text]:
    if facts.previous_winner:
        return False, {
            "uk": "Громада вже перемогла в одному з попередніх раундів цієї програми.",
            "en": "The hromada already won an earlier round of this programme.",
        }
    return True, {
        "uk": "Громада ще не перемагала в попередніх раундах цієї програми.",
        "en": "The hromada has not won an earlier round of this programme.",
    }


def _as_number(answer: object) -> float | int | None:
    """A number from an int/float or a numeric string (a decimal comma is accepted when there is no dot)."""
    if isinstance(answer, bool):
        return None
    if _is_number(answer):
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
    if _is_int(answer) and answer in (0, 1):
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


def _answer_missing_reason(q: Text) -> Text:
    return {
        "uk": f"Немає відповіді на питання {q['uk']}. Заповніть її в заявці.",
        "en": f"The answer to {q['en']} is missing. Fill it in on the application.",
    }


def _question(node: dict, labels: Labels | None) -> Text:
    return {loc: _quoted(_label(node["field"], loc, labels), loc) for loc in LOCALES}


def _answer_bound(node: dict, facts: Facts, labels: Labels | None) -> tuple[bool, Text]:
    kind, limit = node["rule"], node["value"]
    q = _question(node, labels)
    answer = facts.answers.get(node["field"])
    if _missing(answer):
        return False, _answer_missing_reason(q)
    number = _as_number(answer)
    if number is None:
        return False, {
            "uk": f"Відповідь на питання {q['uk']} ({_quoted(str(answer), 'uk')}) не є числом.",
            "en": f"The answer to {q['en']} ({_quoted(str(answer), 'en')}) is not a number.",
        }
    a = {loc: _num(number, loc) for loc in LOCALES}
    lim = {loc: _num(limit, loc) for loc in LOCALES}
    if kind == "answer_min":
        if number >= limit:
            return True, {
                "uk": f"Відповідь на питання {q['uk']} — {a['uk']}, що не менше за мінімум {lim['uk']}.",
                "en": f"The answer to {q['en']} is {a['en']}, which meets the minimum of {lim['en']}.",
            }
        return False, {
            "uk": f"Відповідь на питання {q['uk']} — {a['uk']}, це менше за мінімум {lim['uk']}.",
            "en": f"The answer to {q['en']} is {a['en']}, below the minimum of {lim['en']}.",
        }
    if number <= limit:
        return True, {
            "uk": f"Відповідь на питання {q['uk']} — {a['uk']}, що не перевищує максимум {lim['uk']}.",
            "en": f"The answer to {q['en']} is {a['en']}, within the maximum of {lim['en']}.",
        }
    return False, {
        "uk": f"Відповідь на питання {q['uk']} — {a['uk']}, це більше за максимум {lim['uk']}.",
        "en": f"The answer to {q['en']} is {a['en']}, above the maximum of {lim['en']}.",
    }


def _answer_equals(node: dict, facts: Facts, labels: Labels | None) -> tuple[bool, Text]:
    expected = node["value"]
    q = _question(node, labels)
    answer = facts.answers.get(node["field"])
    if _missing(answer):
        return False, _answer_missing_reason(q)
    if isinstance(expected, bool):
        got = _as_bool(answer)
        passed = got is not None and got == expected
        shown = {loc: _yes_no(got, loc) if got is not None else str(answer) for loc in LOCALES}
    elif _is_number(expected):
        got = _as_number(answer)
        passed = got is not None and got == expected
        shown = {loc: _num(got, loc) if got is not None else str(answer) for loc in LOCALES}
    else:
        passed = isinstance(answer, str) and answer == expected
        shown = {loc: _show_value(answer, loc) for loc in LOCALES}
    want = {loc: _quoted(_show_value(expected, loc), loc) for loc in LOCALES}
    got_text = {loc: _quoted(shown[loc], loc) for loc in LOCALES}
    if passed:
        return True, {
            "uk": f"Відповідь на питання {q['uk']} — {got_text['uk']}, як і вимагається.",
            "en": f"The answer to {q['en']} is {got_text['en']}, as required.",
        }
    return False, {
        "uk": f"Відповідь на питання {q['uk']} — {got_text['uk']}, а вимагається {want['uk']}.",
        "en": f"The answer to {q['en']} is {got_text['en']}, but {want['en']} is required.",
    }


def _documents_required(node: dict, facts: Facts, labels: Labels | None) -> tuple[bool, Text]:
    required = list(dict.fromkeys(node["value"]))
    missing = [kind for kind in required if kind not in facts.document_kinds]
    if not missing:
        names = {loc: _labels_list(required, loc, labels) for loc in LOCALES}
        return True, {
            "uk": f"Усі потрібні документи додано: {names['uk']}.",
            "en": f"All required documents are attached: {names['en']}.",
        }
    names = {loc: _labels_list(missing, loc, labels) for loc in LOCALES}
    return False, {
        "uk": f"Бракує документів: {names['uk']}. Додайте їх до заявки.",
        "en": f"Missing documents: {names['en']}. Attach them to the application.",
    }


_LEAF_EVALUATORS: dict[str, Callable[[dict, Facts, Labels | None], tuple[bool, Text]]] = {
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


# ---------------------------------------------------------------- description

_COMBINATOR_TEXT = {
    "all": {"uk": "Усі наведені умови:", "en": "All of the following:"},
    "any": {"uk": "Принаймні одна з умов:", "en": "At least one of the following:"},
    "none": {"uk": "Жодна з наведених умов:", "en": "None of the following:"},
    "not_all": {"uk": "Не всі наведені умови одночасно:", "en": "Not all of the following at once:"},
}


def describe(tree: dict, locale: str, *, labels: Labels | None = None) -> list[dict]:
    """The rules in plain words for a round page: a nested list of {"text", "children"} in "uk" or "en".

    Raises RuleError if the tree is malformed and ValueError for an unknown locale.
    """
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}, not {locale!r}")
    validate_rules(tree)
    return [_describe(tree, locale, labels)]


def _describe(node: dict, locale: str, labels: Labels | None) -> dict:
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        return {"text": _COMBINATOR_TEXT[key][locale], "children": [_describe(c, locale, labels) for c in node[key]]}
    if "not" in node:
        inner = node["not"]
        if "any" in inner:  # not(any(a, b)) reads best as "none of a, b"
            children = [_describe(c, locale, labels) for c in inner["any"]]
            return {"text": _COMBINATOR_TEXT["none"][locale], "children": children}
        if "all" in inner:
            children = [_describe(c, locale, labels) for c in inner["all"]]
            return {"text": _COMBINATOR_TEXT["not_all"][locale], "children": children}
        return {"text": _COMBINATOR_TEXT["none"][locale], "children": [_describe(inner, locale, labels)]}
    return {"text": _leaf_text(node, locale, labels), "children": []}


def _leaf_text(node: dict, locale: str, labels: Labels | None) -> str:
    kind, value = node["rule"], node.get("value")
    uk = locale == "uk"
    if kind == "population_min":
        return f"Населення не менше {_num(value, locale)}" if uk else f"Population at least {_num(value, locale)}"
    if kind == "population_max":
        return f"Населення не більше {_num(value, locale)}" if uk else f"Population at most {_num(value, locale)}"
    if kind == "amalgamated":
        if "as_of" in node:
            cut = node["as_of"]
            return f"Громада є об’єднаною не пізніше {cut}" if uk else f"The hromada is amalgamated on or before {cut}"
        if uk:
            return "Громада є об’єднаною (не пізніше кінцевого терміну подання заявок)"
        return "The hromada is amalgamated (on or before the deadline)"
    if kind == "hromada_type_in":
        names = (" або " if uk else " or ").join(_type_name(t, locale) for t in value)
        return f"Тип громади: {names}" if uk else f"Hromada type: {names}"
    if kind == "oblast_in":
        names = _labels_list(value, locale, labels)
        return f"Громада розташована в одній з областей: {names}" if uk else f"The hromada is in one of: {names}"
    if kind == "oblast_not_in":
        names = _labels_list(value, locale, labels)
        return f"Громада не з областей: {names}" if uk else f"The hromada is not in: {names}"
    if kind == "not_previous_winner":
        if uk:
            return "Громада не перемагала в попередніх раундах цієї програми"
        return "The hromada has not won an earlier round of this programme"
    if kind in ("answer_min", "answer_max", "answer_equals"):
        q = _quoted(_label(node["field"], locale, labels), locale)
        if kind == "answer_min":
            return (
                f"Відповідь на питання {q} не менше {_num(value, locale)}"
                if uk
                else f"Answer to {q} at least {_num(value, locale)}"
            )
        if kind == "answer_max":
            return (
                f"Відповідь на питання {q} не більше {_num(value, locale)}"
                if uk
                else f"Answer to {q} at most {_num(value, locale)}"
            )
        want = _quoted(_show_value(value, locale), locale)
        return f"Відповідь на питання {q}: {want}" if uk else f"Answer to {q} is {want}"
    names = _labels_list(value, locale, labels)
    return f"Потрібні документи: {names}" if uk else f"Documents required: {names}"
