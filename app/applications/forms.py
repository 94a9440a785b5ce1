"""A round's form: the documents it asks for, the questions it asks, and the answers a hromada gives to them.
It decides what a well-formed form and a well-typed answer are; it must not touch the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from app.platform.documents import DEFAULT_ALLOWED_TYPES
from app.platform.errors import InvalidInput
from app.platform.i18n import _

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
QUESTION_TYPES = ("text", "long_text", "number", "choice", "date", "yes_no")
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def _document_kind(key: str, title_uk: str, title_en: str, required: bool, types: list[str]) -> dict[str, Any]:
    return {
        "key": key,
        "title_uk": title_uk,
        "title_en": title_en,
        "required": required,
        "max_bytes": 10 * 1024 * 1024,
        "types": types,
    }


DEFAULT_DOCUMENT_KINDS = [
    _document_kind(
        "council_decision",
        "Рішення ради про створення (модернізацію) ЦНАП",
        "Council decision to establish (modernise) the ASC",
        True,
        ["pdf"],
    ),
    _document_kind("premises_plan", "План приміщення ЦНАП", "Plan of the ASC premises", True, ["pdf", "png", "jpg"]),
    _document_kind("premises_photos", "Фото приміщення", "Photos of the premises", False, ["jpg", "png", "pdf"]),
    _document_kind(
        "cofinancing_letter", "Гарантійний лист про співфінансування", "Co-financing guarantee letter", False, ["pdf"]
    ),
]

DEFAULT_QUESTIONS = [
    {
        "key": "asc_model",
        "label_uk": "Модель ЦНАП",
        "label_en": "ASC model",
        "type": "choice",
        "required": True,
        "choices": ["regular", "city_raion", "inter_municipal", "mobile", "remote_workplaces", "branch"],
    },
    {
        "key": "project_kind",
        "label_uk": "Створення нового чи модернізація",
        "label_en": "New centre or modernisation",
        "type": "choice",
        "required": True,
        "choices": ["new", "modernisation"],
    },
    {
        "key": "premises",
        "label_uk": "Опис приміщення",
        "label_en": "The premises",
        "type": "long_text",
        "required": True,
    },
    {
        "key": "cofinancing_percent",
        "label_uk": "Співфінансування громади, %",
        "label_en": "Hromada co-financing, %",
        "type": "number",
        "required": True,
    },
    {
        "key": "staff_count",
        "label_uk": "Кількість адміністраторів ЦНАП",
        "label_en": "Number of ASC administrators",
        "type": "number",
        "required": True,
    },
    {
        "key": "planned_opening",
        "label_uk": "Запланована дата відкриття",
        "label_en": "Planned opening date",
        "type": "date",
        "required": False,
    },
]


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, extra={"field": field})


def _keyed_entries(entries: Any, name: str, not_a_list: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each entry of the list ``name`` with its place ("questions[2]") and key, once the entry is an object whose key
    is well formed and not taken by an earlier one."""
    if not isinstance(entries, list):
        raise _invalid(not_a_list, name)
    seen = set()
    for index, entry in enumerate(entries):
        where = f"{name}[{index}]"
        if not isinstance(entry, dict):
            raise _invalid(_("%(where)s must be an object.", where=where), where)
        key = entry.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            raise _invalid(_("%(where)s.key must be lower-case letters, digits and _.", where=where), where)
        if key in seen:
            raise _invalid(_("%(where)s.key %(key)s appears twice.", where=where, key=key), where)
        seen.add(key)
        yield where, key, entry


def validate_document_kinds(kinds: Any) -> list[dict[str, Any]]:
    cleaned = []
    for where, key, kind in _keyed_entries(kinds, "document_kinds", _("Document kinds must be a list.")):
        types = kind.get("types") or ["pdf"]
        if not isinstance(types, list) or not types or any(t not in DEFAULT_ALLOWED_TYPES for t in types):
            raise _invalid(
                _(
                    "%(where)s.types must be a list of: %(types)s.",
                    where=where,
                    types=", ".join(sorted(DEFAULT_ALLOWED_TYPES)),
                ),
                where,
            )
        max_bytes = kind.get("max_bytes", 10 * 1024 * 1024)
        if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or not 0 < max_bytes <= MAX_DOCUMENT_BYTES:
            raise _invalid(_("%(where)s.max_bytes must be a whole number of bytes up to 50 MB.", where=where), where)
        title_uk = str(kind.get("title_uk") or "").strip()
        if not title_uk:
            raise _invalid(_("%(where)s needs a Ukrainian title.", where=where), where)
        cleaned.append(
            {
                "key": key,
                "title_uk": title_uk,
                "title_en": str(kind.get("title_en") or "").strip(),
                "required": bool(kind.get("required", False)),
                "max_bytes": max_bytes,
                "types": list(types),
            }
        )
    return cleaned


def validate_questions(questions: Any) -> list[dict[str, Any]]:
    cleaned = []
    for where, key, question in _keyed_entries(questions, "questions", _("Questions must be a list.")):
        kind = question.get("type")
        if kind not in QUESTION_TYPES:
            raise _invalid(
                _("%(where)s.type must be one of: %(types)s.", where=where, types=", ".join(QUESTION_TYPES)), where
            )
        label_uk = str(question.get("label_uk") or "").strip()
        if not label_uk:
            raise _invalid(_("%(where)s needs a Ukrainian label.", where=where), where)
        entry = {
            "key": key,
            "label_uk": label_uk,
            "label_en": str(question.get("label_en") or "").strip(),
            "type": kind,
            "required": bool(question.get("required", False)),
        }
        if kind == "choice":
            choices = question.get("choices")
            if not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c for c in choices):
                raise _invalid(_("%(where)s.choices must be a non-empty list of texts.", where=where), where)
            entry["choices"] = choices
        cleaned.append(entry)
    return cleaned


def clean_answers(questions: list[dict[str, Any]], answers: Any, *, strict: bool) -> dict[str, Any]:
    """Answers keyed by question. A draft keeps whatever was typed (``strict=False``): only unknown
    questions are refused. Submission (``strict=True``) also checks each value's type."""
    if not isinstance(answers, dict):
        raise _invalid(_("Answers must be an object keyed by question."), "answers")
    by_key = {q["key"]: q for q in questions}
    unknown = sorted(set(answers) - set(by_key))
    if unknown:
        raise _invalid(_("These are not questions of this round: %(keys)s.", keys=", ".join(unknown)), "answers")
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, str):
            value = value.strip() if by_key[key]["type"] != "long_text" else value
        if value in (None, ""):
            cleaned[key] = None if value is None else ""
            continue
        cleaned[key] = _typed(by_key[key], value) if strict else value
    return cleaned


def _typed(question: dict[str, Any], value: Any) -> Any:
    kind, label = question["type"], question["label_uk"]
    try:
        if kind == "number":
            number = float(str(value).replace(",", ".").replace("\u00a0", "").replace(" ", ""))
            return int(number) if number.is_integer() else number
        if kind == "date":
            return date.fromisoformat(str(value)).isoformat()
        if kind == "yes_no":
            if isinstance(value, bool):
                return value
            text = str(value).lower()
            if text in ("yes", "true", "1", "так"):
                return True
            if text in ("no", "false", "0", "ні"):
                return False
            raise ValueError
        if kind == "choice":
            if value not in question["choices"]:
                raise ValueError
            return value
    except (ValueError, TypeError):
        raise _invalid(
            _("The answer to “%(label)s” is not valid: %(value)s.", label=label, value=value), question["key"]
        ) from None
    return str(value)


def missing_required(questions: list[dict[str, Any]], answers: dict[str, Any]) -> list[str]:
    return [q["key"] for q in questions if q["required"] and answers.get(q["key"]) in (None, "")]
