"""A lot's supplier and contract: the supplier by EDRPOU code, the contract's number, date, value and rate, and
the round's tolerance above the estimate that needs no confirmation. Must not touch a lot's state or save a lot."""

from __future__ import annotations

from typing import Any

from app.applications.tables import Round
from app.platform import audit
from app.platform.db import write_transaction
from app.platform.errors import InvalidInput, NotFound
from app.platform.i18n import _
from app.procurement.codes import valid_edrpou
from app.procurement.services.inputs import is_whole, parse_amount, parse_currency, parse_date
from app.procurement.services.money import both, parse_rate, rate_on
from app.procurement.tables import ProcurementConfig, Supplier

DEFAULT_TOLERANCE = 10  # percent, for a round that has not set its own


async def supplier_id(data: Any) -> int:
    """The supplier with the EDRPOU code in ``data``, added with its name when it is new."""
    if not isinstance(data, dict):
        raise InvalidInput(_("The supplier needs a name and an EDRPOU code."), extra={"field": "supplier"})
    edrpou = str(data.get("edrpou") or "").strip()
    if not valid_edrpou(edrpou):
        raise InvalidInput(
            _("The EDRPOU code must be 8 digits whose last digit is the check digit, e.g. 14360570."),
            extra={"field": "supplier.edrpou"},
        )
    existing = await Supplier.select(Supplier.id).where(Supplier.edrpou == edrpou).first()
    if existing:
        return existing["id"]
    name = str(data.get("name") or "").strip()
    if not name:
        raise InvalidInput(_("Give the supplier's name."), extra={"field": "supplier.name"})
    supplier = Supplier(name=name[:300], edrpou=edrpou)
    await supplier.save()
    return supplier.id


async def tolerance_of(project: dict[str, Any]) -> int:
    """How many percent a contract of the project's round may exceed its lot's estimate without confirmation."""
    row = (
        await ProcurementConfig.select(ProcurementConfig.tolerance_percent)
        .where(ProcurementConfig.round == project["round"])
        .first()
    )
    return row["tolerance_percent"] if row else DEFAULT_TOLERANCE


async def set_tolerance(*, round_id: int, percent: int, actor: audit.Actor) -> None:
    if not is_whole(percent, 0) or percent > 100:
        raise InvalidInput(
            _("The tolerance must be a whole percentage from 0 to 100."), extra={"field": "tolerance_percent"}
        )
    if not await Round.exists().where(Round.id == round_id):
        raise NotFound(_("There is no such round."))
    async with write_transaction():
        await ProcurementConfig.delete().where(ProcurementConfig.round == round_id)
        await ProcurementConfig.insert(ProcurementConfig(round=round_id, tolerance_percent=percent))
        after = {"tolerance_percent": percent}
        await audit.record(
            actor=actor, action="procurement.tolerance", object_type="round", object_id=round_id, after=after
        )


async def contract_values(
    contract: Any, lot: dict[str, Any], changes: dict[str, Any], tolerance: int
) -> dict[str, Any]:
    """The lot's columns for ``contract`` (number, date, value_minor, currency, exchange_rate); a value above the
    estimate by more than ``tolerance`` percent needs ``confirm_over_estimate`` and a reason in ``changes``."""
    if not isinstance(contract, dict):
        raise InvalidInput(
            _("The contract needs a number, a date, a value and a currency."), extra={"field": "contract"}
        )
    number = str(contract.get("number") or "").strip()
    if not number:
        raise InvalidInput(_("Give the contract's number."), extra={"field": "contract.number"})
    signed = parse_date(contract.get("date"), "contract.date")
    if signed is None:
        raise InvalidInput(_("Give the contract's date."), extra={"field": "contract.date"})
    value = parse_amount(contract.get("value_minor"), "contract.value_minor")
    currency = parse_currency(contract.get("currency", lot["currency"]), "contract.currency")
    rate = parse_rate(contract.get("exchange_rate")) or await rate_on(signed)
    if rate is None:
        raise InvalidInput(
            _(
                "There is no EUR/UAH exchange rate for %(date)s: give the contract's exchange_rate.",
                date=signed.isoformat(),
            ),
            extra={"field": "contract.exchange_rate"},
        )
    estimate_in_contract_currency = both(lot["estimate_minor"], lot["currency"], rate)[currency] or 0
    limit = estimate_in_contract_currency * (100 + tolerance) / 100
    reason = str(changes.get("over_estimate_reason") or "").strip()
    if value > limit and not (changes.get("confirm_over_estimate") and reason):
        raise InvalidInput(
            _(
                "The contract value is more than %(tolerance)s%% above the lot's estimate. Confirm it with a reason "
                "(confirm_over_estimate and over_estimate_reason).",
                tolerance=tolerance,
            ),
            extra={"field": "contract.value_minor", "limit_minor": int(limit)},
        )
    return {
        "contract_number": number[:60],
        "contract_date": signed,
        "contract_value_minor": value,
        "contract_currency": currency,
        "exchange_rate": str(rate),
        "over_estimate_reason": reason if value > limit else "",
    }
