"""The rules in plain words for a round page: a nested list of conditions in Ukrainian or English.
It decides the wording of the rules as conditions; it must not judge any hromada against them."""

from __future__ import annotations

from app.applications.rules.kinds import LOCALES, Labels
from app.applications.rules.validation import validate_rules
from app.applications.rules.words import label, labels_list, num, quoted, show_value, type_name

_COMBINATOR_TEXT = {
    "all": {"uk": "Усі наведені умови:", "en": "All of the following:"},
    "any": {"uk": "Принаймні одна з умов:", "en": "At least one of the following:"},
    "none": {"uk": "Жодна з наведених умов:", "en": "None of the following:"},
    "not_all": {"uk": "Не всі наведені умови одночасно:", "en": "Not all of the following at once:"},
}

# A leaf in words, in Ukrainian and English; the placeholders are filled by _leaf_text.
_LEAF_TEXT: dict[str, tuple[str, str]] = {
    "population_min": (
        "Населення не менше {value}",
        "Population at least {value}",
    ),
    "population_max": (
        "Населення не більше {value}",
        "Population at most {value}",
    ),
    "amalgamated_as_of": (
        "Громада є об’єднаною не пізніше {cut}",
        "The hromada is amalgamated on or before {cut}",
    ),
    "amalgamated": (
        "Громада є об’єднаною (не пізніше кінцевого терміну подання заявок)",
        "The hromada is amalgamated (on or before the deadline)",
    ),
    "hromada_type_in": (
        "Тип громади: {names}",
        "Hromada type: {names}",
    ),
    "oblast_in": (
        "Громада розташована в одній з областей: {names}",
        "The hromada is in one of: {names}",
    ),
    "oblast_not_in": (
        "Громада не з областей: {names}",
        "The hromada is not in: {names}",
    ),
    "not_previous_winner": (
        "Громада не перемагала в попередніх раундах цієї програми",
        "The hromada has not won an earlier round of this programme",
    ),
    "answer_min": (
        "Відповідь на питання {q} не менше {value}",
        "Answer to {q} at least {value}",
    ),
    "answer_max": (
        "Відповідь на питання {q} не більше {value}",
        "Answer to {q} at most {value}",
    ),
    "answer_equals": (
        "Відповідь на питання {q}: {want}",
        "Answer to {q} is {want}",
    ),
    "documents_required": (
        "Потрібні документи: {names}",
        "Documents required: {names}",
    ),
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
            key, nodes = "none", inner["any"]
        elif "all" in inner:
            key, nodes = "not_all", inner["all"]
        else:
            key, nodes = "none", [inner]
        return {"text": _COMBINATOR_TEXT[key][locale], "children": [_describe(c, locale, labels) for c in nodes]}
    return {"text": _leaf_text(node, locale, labels), "children": []}


def _leaf_text(node: dict, locale: str, labels: Labels | None) -> str:
    kind, value = node["rule"], node.get("value")
    values: dict[str, object] = {}
    if kind in ("population_min", "population_max", "answer_min", "answer_max"):
        values["value"] = num(value, locale)
    if kind == "amalgamated" and "as_of" in node:
        kind, values["cut"] = "amalgamated_as_of", node["as_of"]
    elif kind == "hromada_type_in":
        values["names"] = (" або " if locale == "uk" else " or ").join(type_name(t, locale) for t in value)
    elif kind in ("oblast_in", "oblast_not_in", "documents_required"):
        values["names"] = labels_list(value, locale, labels)
    elif kind.startswith("answer_"):
        values["q"] = quoted(label(node["field"], locale, labels), locale)
        values["want"] = quoted(show_value(value, locale), locale)
    return _LEAF_TEXT[kind][LOCALES.index(locale)].format(**values)
