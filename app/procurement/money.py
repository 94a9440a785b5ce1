"""Money as integer minor units with a currency; conversion at a stated UAH-per-EUR rate."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency

from app.platform.errors import InvalidInput
from app.platform.i18n import _


def parse_rate(text: str | None) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        rate = Decimal(str(text).replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(
            _("The exchange rate must be a number of hryvnias per euro, e.g. 41.2345."),
            extra={"field": "exchange_rate"},
        ) from None
    if rate <= 0:
        raise InvalidInput(_("The exchange rate must be above zero."), extra={"field": "exchange_rate"})
    return rate


# A stored rate (a lot's contract rate, the latest rate) as a Decimal: the same few texts for hundreds of lots.
stored_rate = lru_cache(maxsize=1024)(parse_rate)


@lru_cache(maxsize=8192)
def convert(amount_minor: int, currency: str, to: str, uah_per_eur: Decimal | None) -> int | None:
    """``amount_minor`` in ``currency`` as minor units of ``to``; None when a needed rate is unknown."""
    if currency == to:
        return amount_minor
    if uah_per_eur is None:
        return None
    value = Decimal(amount_minor) * uah_per_eur if to == "UAH" else Decimal(amount_minor) / uah_per_eur
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def both(amount_minor: int, currency: str, uah_per_eur: Decimal | None) -> dict[str, int | None]:
    return {
        "UAH": convert(amount_minor, currency, "UAH", uah_per_eur),
        "EUR": convert(amount_minor, currency, "EUR", uah_per_eur),
    }


@lru_cache(maxsize=8192)
def format_amount(amount_minor: int, currency: str, locale: str) -> str:
    """Minor units as money in ``locale``: 1500050, "UAH", "uk" → "15 000,50 ₴". Babel takes some fifty
    microseconds a call; a list of projects shows hundreds of amounts, the same ones at every view."""
    return format_currency(Decimal(amount_minor) / 100, currency, locale=locale)
