"""Whether a rules tree is sound: each node one of all/any/not/rule, each leaf with the keys and values its kind needs.
It decides soundness and the error's words only; it must not judge facts or describe rules."""

from __future__ import annotations

import datetime
import re

from app.applications.rules.kinds import (
    HROMADA_TYPES,
    LEAF_KEYS,
    MAX_DEPTH,
    NODE_KEYS,
    ROOT,
    RULE_KINDS,
    RuleError,
    child_path,
    is_int,
    is_number,
)

_OBLAST_CODE = re.compile(r"UA[0-9]{17}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# What is wrong with a node, in English and Ukrainian; the placeholders are filled by _fail.
_PROBLEMS: dict[str, tuple[str, str]] = {
    "too_deep": (
        "rules are nested too deeply (more than {depth} levels)",
        "правила вкладено надто глибоко (понад {depth} рівнів)",
    ),
    "not_object": (
        "a rule must be an object with one of all, any, not or rule",
        "правило має бути об’єктом з одним із ключів all, any, not або rule",
    ),
    "no_key": (
        "a rule needs exactly one of all, any, not or rule",
        "правило має містити рівно один із ключів all, any, not або rule",
    ),
    "several_keys": (
        "a rule must have only one of all, any, not or rule, not several ({both})",
        "правило має містити лише один із ключів all, any, not або rule, а не кілька ({both})",
    ),
    "unknown_key_next_to": (
        "unknown key {extra} next to {key}",
        "невідомий ключ {extra} поруч з {key}",
    ),
    "empty_list": (
        "{key} needs a non-empty list of rules",
        "{key} потребує непорожнього списку правил",
    ),
    "unknown_kind": (
        "unknown rule kind {kind!r}; known kinds: {known}",
        "невідомий вид правила {kind!r}; відомі види: {known}",
    ),
    "unknown_key_in": (
        "unknown key {extra} in {kind} (allowed: {allowed})",
        "невідомий ключ {extra} у {kind} (дозволені: {allowed})",
    ),
    "integer": (
        "{kind} needs an integer value",
        "{kind} потребує цілого значення",
    ),
    "non_negative": (
        "{kind} needs a non-negative integer value",
        "{kind} потребує невід’ємного цілого значення",
    ),
    "type_list": (
        "{kind} needs a non-empty list of hromada types (urban, settlement, rural)",
        "{kind} потребує непорожнього списку типів громад (urban, settlement, rural)",
    ),
    "unknown_type": (
        "{kind}: unknown hromada type {item!r}; use urban, settlement or rural",
        "{kind}: невідомий тип громади {item!r}; використайте urban, settlement або rural",
    ),
    "oblast_list": (
        "{kind} needs a non-empty list of KATOTTG oblast codes",
        "{kind} потребує непорожнього списку кодів областей за КАТОТТГ",
    ),
    "oblast_code": (
        "{kind}: {item!r} is not a KATOTTG oblast code (UA followed by 17 digits)",
        "{kind}: {item!r} не є кодом області за КАТОТТГ (UA і 17 цифр)",
    ),
    "field": (
        "{kind} needs a field (a question key)",
        "{kind} потребує field (ключ питання)",
    ),
    "equals_value": (
        "{kind} needs a value that is a text, a number or true/false",
        "{kind} потребує значення: текст, число або true/false",
    ),
    "numeric": (
        "{kind} needs a numeric value",
        "{kind} потребує числового значення",
    ),
    "unknown_question": (
        "{kind} refers to unknown question {field!r}",
        "{kind} посилається на невідоме питання {field!r}",
    ),
    "document_list": (
        "{kind} needs a non-empty list of document kinds",
        "{kind} потребує непорожнього списку видів документів",
    ),
    "unknown_document": (
        "{kind} names unknown document kind {item!r}",
        "{kind} називає невідомий вид документа {item!r}",
    ),
    "as_of": (
        "amalgamated as_of must be a date written YYYY-MM-DD, not {raw!r}",
        "as_of у amalgamated має бути датою у форматі РРРР-ММ-ДД, а не {raw!r}",
    ),
}


def _fail(path: str, problem: str, **values: object) -> RuleError:
    english, ukrainian = _PROBLEMS[problem]
    return RuleError(path, english.format(**values), ukrainian.format(**values))


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
        raise _fail(path, "too_deep", depth=MAX_DEPTH)
    if not isinstance(node, dict):
        raise _fail(path, "not_object")
    present = [k for k in NODE_KEYS if k in node]
    if not present:
        raise _fail(path, "no_key")
    if len(present) > 1:
        raise _fail(path, "several_keys", both=", ".join(present))
    key = present[0]
    if key == "rule":
        _validate_leaf(node, path, question_keys, document_kinds)
        return
    extra = sorted(str(k) for k in node if k != key)
    if extra:
        raise _fail(path, "unknown_key_next_to", extra=_quote_keys(extra), key=key)
    if key == "not":
        _validate(node["not"], child_path(path, "not"), depth + 1, question_keys, document_kinds)
        return
    nodes = node[key]
    if not isinstance(nodes, list) or not nodes:
        raise _fail(path, "empty_list", key=key)
    for index, child in enumerate(nodes):
        _validate(child, child_path(path, f"{key}[{index}]"), depth + 1, question_keys, document_kinds)


def _validate_leaf(node: dict, path: str, question_keys: set[str] | None, document_kinds: set[str] | None) -> None:
    kind = node["rule"]
    if not isinstance(kind, str) or kind not in LEAF_KEYS:
        raise _fail(path, "unknown_kind", kind=kind, known=", ".join(RULE_KINDS))
    extra = sorted(str(k) for k in node if k not in LEAF_KEYS[kind])
    if extra:
        raise _fail(
            path, "unknown_key_in", extra=_quote_keys(extra), kind=kind, allowed=", ".join(sorted(LEAF_KEYS[kind]))
        )
    value = node.get("value")
    if kind in ("population_min", "population_max"):
        if not is_int(value):
            raise _fail(path, "integer", kind=kind)
        if value < 0:
            raise _fail(path, "non_negative", kind=kind)
    elif kind == "amalgamated":
        if "as_of" in node:
            parse_as_of(node["as_of"], path)
    elif kind == "hromada_type_in":
        _each_item(value, path, kind, "type_list", "unknown_type", lambda item: item in HROMADA_TYPES)
    elif kind in ("oblast_in", "oblast_not_in"):
        _each_item(value, path, kind, "oblast_list", "oblast_code", lambda item: bool(_OBLAST_CODE.fullmatch(item)))
    elif kind in ("answer_min", "answer_max", "answer_equals"):
        _validate_answer_rule(node, path, kind, question_keys)
    elif kind == "documents_required":
        known = document_kinds
        _each_item(value, path, kind, "document_list", "unknown_document", lambda item: known is None or item in known)


def _each_item(value: object, path: str, kind: str, not_a_list: str, bad_item: str, fits) -> None:
    """A non-empty list of texts, each of which ``fits``."""
    if not _non_empty_str_list(value):
        raise _fail(path, not_a_list, kind=kind)
    for item in value:  # type: ignore[union-attr]
        if not fits(item):
            raise _fail(path, bad_item, kind=kind, item=item)


def _validate_answer_rule(node: dict, path: str, kind: str, question_keys: set[str] | None) -> None:
    field, value = node.get("field"), node.get("value")
    if not isinstance(field, str) or not field:
        raise _fail(path, "field", kind=kind)
    if kind == "answer_equals":
        if "value" not in node or not (isinstance(value, (str, bool)) or is_number(value)):
            raise _fail(path, "equals_value", kind=kind)
    elif not is_number(value):
        raise _fail(path, "numeric", kind=kind)
    if question_keys is not None and field not in question_keys:
        raise _fail(path, "unknown_question", kind=kind, field=field)


def parse_as_of(raw: object, path: str) -> datetime.date:
    """The cut-off date of an ``amalgamated`` rule, written YYYY-MM-DD."""
    if isinstance(raw, str) and _ISO_DATE.fullmatch(raw):
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            pass
    raise _fail(path, "as_of", raw=raw)
