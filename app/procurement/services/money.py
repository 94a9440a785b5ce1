"""Money: integer minor units with a currency, converted at a stated UAH-per-EUR rate; the exchange rates kept by
day; what a lot and a set of projects amount to (planned, contracted, accepted) in both currencies.
Must not touch a lot's state or its contract: it reads the columns it is given."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency

from app.platform import audit
from app.platform.db import PreparedSelect, write_transaction
from app.platform.errors import InvalidInput
from app.platform.i18n import _
from app.procurement.services.inputs import parse_date
from app.procurement.tables import ExchangeRate

MONEY_KINDS = ("planned", "contracted", "accepted")
Amounts = dict[str, int | None]  # by currency: {"UAH": 150000, "EUR": None}
Totals = dict[str, Amounts]  # by kind of money (MONEY_KINDS)


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


def both(amount_minor: int, currency: str, uah_per_eur: Decimal | None) -> Amounts:
    return {
        "UAH": convert(amount_minor, currency, "UAH", uah_per_eur),
        "EUR": convert(amount_minor, currency, "EUR", uah_per_eur),
    }


@lru_cache(maxsize=8192)
def format_amount(amount_minor: int, currency: str, locale: str) -> str:
    """Minor units as money in ``locale``: 1500050, "UAH", "uk" → "15 000,50 ₴". Babel takes some fifty
    microseconds a call; a list of projects shows hundreds of amounts, the same ones at every view."""
    return format_currency(Decimal(amount_minor) / 100, currency, locale=locale)


# --- Exchange rates -----------------------------------------------------------------------------------------


async def rate_on(day: date) -> Decimal | None:
    row = (
        await ExchangeRate.select()
        .where(ExchangeRate.on_date <= day)
        .order_by(ExchangeRate.on_date, ascending=False)
        .first()
    )
    return parse_rate(row["uah_per_eur"]) if row else None


_LATEST_RATE = PreparedSelect(
    lambda: ExchangeRate.select(ExchangeRate.uah_per_eur).order_by(ExchangeRate.on_date, ascending=False).limit(1),
    params=0,
    key_lookup=True,  # the last entry of the unique index on on_date
)


async def latest_rate() -> Decimal | None:
    row = await _LATEST_RATE.first()
    return stored_rate(row["uah_per_eur"]) if row else None


async def set_rate(*, on_date: Any, uah_per_eur: str, actor: audit.Actor) -> dict[str, Any]:
    day = parse_date(on_date, "on_date")
    if day is None:
        raise InvalidInput(_("Give the date of the rate."), extra={"field": "on_date"})
    rate = parse_rate(uah_per_eur)
    if rate is None:
        raise InvalidInput(_("Give the rate in hryvnias per euro."), extra={"field": "uah_per_eur"})
    async with write_transaction():
        await ExchangeRate.delete().where(ExchangeRate.on_date == day)
        await ExchangeRate.insert(ExchangeRate(on_date=day, uah_per_eur=str(rate)))
        await audit.record(
            actor=actor,
            action="rate.set",
            object_type="exchange_rate",
            object_id=str(day),
            after={"uah_per_eur": str(rate)},
        )
    return {"on_date": day, "uah_per_eur": str(rate)}


# --- What lots amount to ------------------------------------------------------------------------------------


def lot_amounts(lot: dict[str, Any], planned_rate: Decimal | None) -> Totals:
    zero = {"UAH": 0, "EUR": 0}
    if lot["status"] == "cancelled":
        return {"planned": zero, "contracted": zero, "accepted": zero}
    planned = both(lot["estimate_minor"], lot["currency"], planned_rate)
    if lot["contract_value_minor"] is None:
        return {"planned": planned, "contracted": zero, "accepted": zero}
    contract_rate = stored_rate(lot["exchange_rate"]) or planned_rate
    contracted = both(lot["contract_value_minor"], lot["contract_currency"], contract_rate)
    accepted = contracted if lot["status"] == "accepted" else zero
    return {"planned": planned, "contracted": contracted, "accepted": accepted}


def add_amounts(total: Totals, amounts: Totals) -> None:
    """Adds ``amounts`` into ``total``, kind by kind and currency by currency; unknown (None) stays unknown."""
    for kind, by_currency in amounts.items():
        into = total[kind]
        for currency, value in by_currency.items():
            if value == 0:  # most lots have nothing contracted or accepted yet
                continue
            current = into[currency]
            into[currency] = None if current is None or value is None else current + value


def empty_totals() -> Totals:
    return {kind: {"UAH": 0, "EUR": 0} for kind in MONEY_KINDS}


def project_totals(lots_by_project: dict[int, list[dict[str, Any]]], rate: Decimal | None) -> Totals:
    total = empty_totals()
    for lots in lots_by_project.values():
        for lot in lots:
            add_amounts(total, lot_amounts(lot, rate))
    return total
