"""How a round is put into words on a page: its budget, the time left until it opens or closes, why it does not
accept applications, and the helpers every round template is given. Words only: it must not decide any state."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency

from app.applications.labels import application_badge, application_status, round_badge, round_status
from app.applications.services.rounds import now_utc
from app.platform.documents import human_size
from app.platform.i18n import _, format_kyiv, get_locale
from app.platform.i18n import translate_plural as ngettext


def money(minor: int | None, currency: str) -> str:
    return format_currency(Decimal(minor or 0) / 100, currency, locale=get_locale())


def _span(delta: timedelta) -> tuple[str, int]:
    """Whole days when two or more are left, else whole hours, else "soon"."""
    if delta >= timedelta(days=2):
        return "days", delta.days
    hours = int(delta.total_seconds() // 3600)
    return ("hours", hours) if hours >= 1 else ("soon", 0)


def countdown(round_: dict[str, Any], moment: datetime | None = None) -> str:
    """How long until the round closes, in words, as of ``moment`` (now): computed on the server."""
    moment = moment or now_utc()
    status, deadline, opens_at = round_["status"], round_["deadline"], round_["opens_at"]
    if status == "draft":
        return _("Not open yet")
    if status != "open" or deadline is None or deadline < moment:
        return _("Closed")
    opening = bool(opens_at and opens_at > moment)
    unit, n = _span((opens_at if opening else deadline) - moment)
    if unit == "soon":
        return _("Opens in less than an hour") if opening else _("Closes in less than an hour")
    if unit == "days":
        if opening:
            return ngettext("Opens in %(num)s day", "Opens in %(num)s days", n) % {"num": n}
        return ngettext("Closes in %(num)s day", "Closes in %(num)s days", n) % {"num": n}
    if opening:
        return ngettext("Opens in %(num)s hour", "Opens in %(num)s hours", n) % {"num": n}
    return ngettext("Closes in %(num)s hour", "Closes in %(num)s hours", n) % {"num": n}


def not_accepting_reason(round_: dict[str, Any], moment: datetime | None = None) -> str:
    moment = moment or now_utc()
    if round_["status"] == "open" and round_["opens_at"] and moment < round_["opens_at"]:
        return _("Applications open on %(when)s.", when=format_kyiv(round_["opens_at"]))
    if round_["status"] == "open" and round_["deadline"] and moment > round_["deadline"]:
        return _("The deadline has passed: %(when)s.", when=format_kyiv(round_["deadline"]))
    return _("This round does not accept applications now.")


def helpers() -> dict[str, Any]:
    return {
        "round_status": round_status,
        "round_badge": round_badge,
        "application_status": application_status,
        "application_badge": application_badge,
        "money": money,
        "countdown": countdown,
        "kyiv": format_kyiv,
        "human_size": human_size,
    }
