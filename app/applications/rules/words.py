"""How a rule's values are written in a reason or a description: numbers, dates, yes/no, quotes, titles by key.
It decides the formatting of one value in one locale; it must not choose which sentence is said."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from babel.numbers import format_decimal

from app.applications.rules.kinds import HROMADA_TYPES, LOCALES, Labels, Text, is_number


def num(value: float | int, locale: str) -> str:
    try:
        return format_decimal(value, locale=locale)
    except (ArithmeticError, ValueError):  # beyond babel's decimal precision: show it plainly
        return str(value)


def day(value: datetime.date) -> str:
    return value.isoformat()


def label(key: str, locale: str, labels: Labels | None) -> str:
    if labels:
        titles = labels.get(key)
        if titles and titles.get(locale):
            return titles[locale]
    return key


def labels_list(keys: list[str] | tuple[str, ...], locale: str, labels: Labels | None) -> str:
    return ", ".join(label(k, locale, labels) for k in keys)


def type_name(kind: object, locale: str) -> str:
    return HROMADA_TYPES.get(kind, {}).get(locale, str(kind)) if isinstance(kind, str) else str(kind)


def yes_no(value: bool, locale: str) -> str:
    if locale == "uk":
        return "так" if value else "ні"
    return "yes" if value else "no"


def show_value(value: object, locale: str) -> str:
    if isinstance(value, bool):
        return yes_no(value, locale)
    if is_number(value):
        return num(value, locale)  # type: ignore[arg-type]
    return str(value)


def quoted(text: str, locale: str) -> str:
    return f"«{text}»" if locale == "uk" else f"“{text}”"


def in_each_locale(write: Callable[[str], str]) -> Text:
    """``write(locale)`` for Ukrainian and English."""
    return {locale: write(locale) for locale in LOCALES}


def sentence(templates: tuple[str, str], values: dict[str, object]) -> Text:
    """A Ukrainian and an English template filled in; a value given as {"uk", "en"} fills each in its own locale."""
    return {
        locale: template.format(**{k: v[locale] if isinstance(v, dict) else v for k, v in values.items()})
        for locale, template in zip(LOCALES, templates, strict=True)
    }
