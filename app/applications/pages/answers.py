"""How an application's answers meet a page: read from a posted form, shown in a form field, shown read-only.
It decides the display and the reading of one answer; it must not check answers (app.applications.forms does)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.applications.labels import choice_label
from app.platform.i18n import format_day, format_number, gettext

YES = ("yes", "true", "1", "так")
NO = ("no", "false", "0", "ні")


def single(value: Any) -> str:
    """One posted value as text: the last of a repeated field, "" for none."""
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "" if value is None else str(value)


def form_answers(questions: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, str]:
    """The answers a form posted, for this round's questions only (a radio left unchosen is not posted)."""
    return {q["key"]: single(data[q["key"]]) for q in questions if q["key"] in data}


def input_value(question: dict[str, Any], value: Any) -> str:
    """An answer as the form field shows it."""
    if value is None:
        return ""
    if question["type"] == "yes_no":
        text = str(value).lower() if not isinstance(value, bool) else ("yes" if value else "no")
        return "yes" if text in YES else "no" if text in NO else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shown_value(question: dict[str, Any], value: Any) -> str:
    """An answer as the read-only view shows it."""
    if value is None or value == "":
        return "—"
    kind = question["type"]
    if kind == "yes_no":
        text = input_value(question, value)
        return gettext("Yes") if text == "yes" else gettext("No") if text == "no" else str(value)
    if kind == "choice":
        return choice_label(str(value))
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    if kind == "date":
        try:
            return format_day(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)
