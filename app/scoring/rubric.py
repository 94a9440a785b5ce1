"""The default ASC rubric a new round starts from, and the rubric's validation."""

from __future__ import annotations

import re
from typing import Any

from app.platform.errors import InvalidInput
from app.platform.i18n import _

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

DEFAULT_CRITERIA = [
    {
        "key": "premises",
        "title_uk": "Готовність приміщення",
        "title_en": "Readiness of premises",
        "guidance_uk": "Площа, стан, розташування, доступність транспортом.",
        "guidance_en": "Area, condition, location, reach by public transport.",
        "max_points": 10,
        "weight": 1.5,
    },
    {
        "key": "capacity",
        "title_uk": "Інституційна спроможність і персонал",
        "title_en": "Institutional capacity and staff",
        "guidance_uk": "Кількість і підготовка адміністраторів, підтримка ради.",
        "guidance_en": "Number and training of administrators, support of the council.",
        "max_points": 10,
        "weight": 1.0,
    },
    {
        "key": "cofinancing",
        "title_uk": "Співфінансування",
        "title_en": "Co-financing",
        "guidance_uk": "Частка і надійність внеску громади.",
        "guidance_en": "Share and reliability of the hromada's contribution.",
        "max_points": 10,
        "weight": 1.0,
    },
    {
        "key": "coverage",
        "title_uk": "Охоплення послугами і мешканцями",
        "title_en": "Coverage of services and residents",
        "guidance_uk": "Перелік послуг, віддалені робочі місця, мобільний ЦНАП.",
        "guidance_en": "Range of services, remote workplaces, mobile ASC.",
        "max_points": 10,
        "weight": 1.0,
    },
    {
        "key": "accessibility",
        "title_uk": "Доступність та інклюзивність",
        "title_en": "Accessibility and inclusion",
        "guidance_uk": "Безбар'єрність, послуги для людей з інвалідністю, ВПО.",
        "guidance_en": "Barrier-free access, services for people with disabilities and IDPs.",
        "max_points": 10,
        "weight": 1.0,
    },
    {
        "key": "sustainability",
        "title_uk": "Сталість",
        "title_en": "Sustainability",
        "guidance_uk": "Фінансування утримання ЦНАП після завершення проєкту.",
        "guidance_en": "Funding of the ASC's running costs after the project.",
        "max_points": 10,
        "weight": 1.0,
    },
]


def _number(value: Any, field: str, *, minimum: float = 0, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise InvalidInput(
            _("%(field)s must be a number of at least %(min)s.", field=field, min=minimum), extra={"field": field}
        )
    return float(value)


def validate_criteria(criteria: Any) -> list[dict[str, Any]]:
    if not isinstance(criteria, list) or not criteria:
        raise InvalidInput(_("A rubric needs at least one criterion."), extra={"field": "criteria"})
    cleaned, seen = [], set()
    for index, criterion in enumerate(criteria):
        where = f"criteria[{index}]"
        if not isinstance(criterion, dict):
            raise InvalidInput(_("%(where)s must be an object.", where=where), extra={"field": where})
        key = criterion.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            raise InvalidInput(
                _("%(where)s.key must be lower-case letters, digits and _.", where=where), extra={"field": where}
            )
        if key in seen:
            raise InvalidInput(_("%(where)s.key %(key)s appears twice.", where=where, key=key), extra={"field": where})
        seen.add(key)
        title_uk = str(criterion.get("title_uk") or "").strip()
        if not title_uk:
            raise InvalidInput(_("%(where)s needs a Ukrainian title.", where=where), extra={"field": where})
        max_points = _number(criterion.get("max_points"), f"{where}.max_points", minimum=0.5)
        if max_points * 2 != int(max_points * 2):
            raise InvalidInput(
                _("%(field)s must be whole or half points.", field=f"{where}.max_points"), extra={"field": where}
            )
        weight = _number(criterion.get("weight", 1.0), f"{where}.weight", minimum=0)
        threshold = _number(criterion.get("threshold"), f"{where}.threshold", allow_none=True)
        if threshold is not None and threshold > max_points:
            raise InvalidInput(
                _("%(where)s.threshold cannot exceed its maximum points.", where=where), extra={"field": where}
            )
        cleaned.append(
            {
                "key": key,
                "title_uk": title_uk,
                "title_en": str(criterion.get("title_en") or "").strip(),
                "guidance_uk": str(criterion.get("guidance_uk") or ""),
                "guidance_en": str(criterion.get("guidance_en") or ""),
                "max_points": max_points,
                "weight": weight,
                "threshold": threshold,
                "position": index,
            }
        )
    return cleaned


def review_total(criteria: list[dict[str, Any]], points: dict[str, float | None]) -> float:
    """The weighted sum of a review's points."""
    return round(sum((points.get(c["key"]) or 0) * c["weight"] for c in criteria), 4)


def maximum_total(criteria: list[dict[str, Any]]) -> float:
    return round(sum(c["max_points"] * c["weight"] for c in criteria), 4)


def diverges(totals: list[float], percent: float) -> bool:
    """True when the submitted totals differ by more than ``percent`` of the higher one."""
    if len(totals) < 2:
        return False
    high, low = max(totals), min(totals)
    return high > 0 and (high - low) > high * percent / 100
