"""What a rules tree is made of: the leaf kinds and their keys, the facts it is judged on, the error a bad tree raises.
It decides the vocabulary only; it must not judge, validate or word a tree (validation, evaluation, description do)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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

COMBINATORS = ("all", "any", "not")
NODE_KEYS = (*COMBINATORS, "rule")
LEAF_KEYS: dict[str, frozenset[str]] = {
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


def child_path(parent: str, step: str) -> str:
    """The path of a child node: ``all[0]`` under the root, ``all[0].not`` below it."""
    return step if parent == ROOT else f"{parent}.{step}"


def children(node: dict) -> tuple[str, list] | None:
    """The combinator of an all/any/not node and its children with their steps; None for a leaf."""
    for key in ("all", "any"):
        if key in node:
            return key, [(f"{key}[{index}]", child) for index, child in enumerate(node[key])]
    if "not" in node:
        return "not", [("not", node["not"])]
    return None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return is_int(value) or (isinstance(value, float) and math.isfinite(value))
