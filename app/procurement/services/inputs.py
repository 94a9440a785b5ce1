"""How the procurement services read what they are given: dates, whole numbers, amounts, currencies, categories.
Must not touch the database or know any one form or endpoint: a refusal names the field it was told."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from app.platform.errors import InvalidInput
from app.platform.i18n import KYIV, _
from app.procurement.tables import CATEGORIES, CURRENCIES


def now_utc() -> datetime:
    return datetime.now(UTC)


def kyiv_today() -> date:
    return datetime.now(KYIV).date()


def parse_date(value: Any, field: str) -> date | None:
    """A date, or its ISO text (2027-03-31); None or "" is no date."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a date such as 2027-03-31.", field=field), extra={"field": field}
        ) from None


def is_whole(value: Any, minimum: int) -> bool:
    """A whole number (not a bool) of at least ``minimum``."""
    return not isinstance(value, bool) and isinstance(value, int) and value >= minimum


def parse_amount(value: Any, field: str) -> int:
    if not is_whole(value, 0):
        raise InvalidInput(
            _("%(field)s must be a whole number of minor units (kopiykas or cents), zero or more.", field=field),
            extra={"field": field},
        )
    return value


def parse_currency(value: Any, field: str = "currency") -> str:
    currency = str(value or "").upper()
    if currency not in CURRENCIES:
        raise InvalidInput(_("The currency must be UAH or EUR."), extra={"field": field})
    return currency


def parse_category(value: Any) -> str:
    if value not in CATEGORIES:
        raise InvalidInput(
            _("The category must be one of: %(names)s.", names=", ".join(CATEGORIES)), extra={"field": "category"}
        )
    return value


def check_quantity(quantity: Any, index: int) -> int:
    """The quantity of the ``index``-th item of a list (a package, a lot): a whole number of at least 1."""
    if not is_whole(quantity, 1):
        raise InvalidInput(
            _("items[%(i)s]: the quantity must be a whole number of at least 1.", i=index), extra={"field": "items"}
        )
    return quantity
