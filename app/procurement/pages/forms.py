"""How a procurement page reads a form (texts, files, amounts, whole numbers, ids) and shows it again when a
service refuses it. Must not call a service or decide a rule: the services refuse, the pages only show it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from app.platform.errors import DomainError, InvalidInput
from app.platform.i18n import N_, _

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MultipartForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


class Pages(Controller):
    """What the procurement pages' controllers (but the hromada's project page) share: at the site's root, and
    out of the API's schema."""

    path = "/"
    tags = ["pages"]
    include_in_schema = False


# What the staff pages say after a change went through (``?done=...``).
DONE = {
    "package": N_("The support package was saved."),
    "lot": N_("The lot was added."),
    "status": N_("The lot moved on."),
    "saved": N_("The lot's data was saved."),
    "unchanged": N_("Nothing changed."),
    "delivery": N_("The delivery was recorded."),
    "milestone": N_("The milestone was updated."),
    "item": N_("The item was added to the catalogue."),
    "rate": N_("The exchange rate was saved."),
    "tolerance": N_("The round's tolerance was saved."),
}


def single(value: Any) -> str:
    """A form field's value as text: the last one when sent twice; a file or nothing is ""."""
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "" if value is None or isinstance(value, UploadFile) else str(value)


def text(data: dict[str, Any], key: str) -> str:
    return single(data.get(key)).strip()


def texts(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    return {key: text(data, key) for key in keys}


def upload(value: Any) -> UploadFile | None:
    if isinstance(value, list):
        value = value[-1] if value else None
    return value if isinstance(value, UploadFile) and value.filename else None


def minor(value: str, field: str) -> int | None:
    """An amount in major units ("150000" or "150000.50") as integer minor units; "" → None."""
    value = value.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number < 0 or (number * 100) % 1:
        raise InvalidInput(_("Write an amount such as 150000 or 150000.50."), extra={"field": field})
    return int(number * 100)


def major(amount_minor: int | None) -> str:
    """Minor units as a form shows them: 1500000 → "15000", 1500050 → "15000.50"."""
    if amount_minor is None:
        return ""
    return f"{Decimal(amount_minor) / 100:f}".removesuffix(".00")


def whole(value: str, field: str, *, minimum: int = 0) -> int | None:
    value = value.replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    if not value.lstrip("-").isdigit() or int(value) < minimum:
        raise InvalidInput(_("Write a whole number of at least %(min)s.", min=minimum), extra={"field": field})
    return int(value)


def record_id(value: str) -> int | None:
    """A record id from a query or form field; anything else (empty, not a number) is no filter."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def error_field(error: DomainError) -> str:
    return str(error.extra.get("field") or "")


def query(**params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def notice(done: str) -> str:
    return _(DONE[done]) if done in DONE else ""
