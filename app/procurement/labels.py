"""The words of procurement as people read them: lot, milestone and project (stage) statuses, categories,
methods, document kinds and kinds of money, in both languages (babel N_ markers), their badge colours, amounts.
Must not decide any state or rule: the services own the status words; this only names and colours them."""

from __future__ import annotations

from typing import Any

from app.platform.i18n import N_, get_locale, gettext
from app.procurement.services.money import format_amount

CATEGORY_LABELS = {
    "furniture": N_("Furniture"),
    "it_equipment": N_("IT equipment"),
    "queue_system": N_("Electronic queue system"),
    "mobile_asc": N_("Mobile ASC"),
    "software": N_("Software"),
    "training": N_("Training"),
}
# How a lot is bought: as a sentence on its own (the hromada's project page), and inside a line (staff pages).
METHOD_WORDS = {
    "programme": (N_("Bought by the programme"), N_("bought by the programme")),
    "prozorro": (N_("Bought by the hromada through Prozorro"), N_("bought by the hromada through Prozorro")),
}
METHOD_TITLES = {method: words[0] for method, words in METHOD_WORDS.items()}
METHOD_LABELS = {method: words[1] for method, words in METHOD_WORDS.items()}

LOT_STATUS_LABELS = {
    "planning": N_("planning"),
    "tender": N_("tender"),
    "awarded": N_("awarded"),
    "contracted": N_("contracted"),
    "delivered": N_("delivered"),
    "accepted": N_("accepted"),
    "cancelled": N_("cancelled"),
}
# The buttons that move a lot to the state named.
MOVE_LABELS = {
    "tender": N_("Announce the tender"),
    "awarded": N_("Mark awarded"),
    "contracted": N_("Mark contracted"),
    "delivered": N_("Mark delivered"),
    "accepted": N_("Accept the delivery"),
    "cancelled": N_("Cancel the lot"),
}

# A project's stage: as a badge in lists (staff), as a column heading (dashboard), as the hromada's headline.
STAGE_WORDS = {
    "selected": (N_("selected"), N_("Selected"), N_("Winner selected")),
    "contracted": (N_("contracted"), N_("Contracted"), N_("Contracts signed")),
    "delivered": (N_("delivered"), N_("Delivered"), N_("Goods delivered")),
    "opened": (N_("opened"), N_("ASC opened"), N_("Centre opened")),
}
STAGE_LABELS = {stage: words[0] for stage, words in STAGE_WORDS.items()}
STAGE_HEADINGS = {stage: words[1] for stage, words in STAGE_WORDS.items()}
STAGE_TITLES = {stage: words[2] for stage, words in STAGE_WORDS.items()}

# A milestone's OCDS status: in the staff's table, and on the hromada's timeline (with its marker).
MILESTONE_WORDS = {
    "scheduled": (N_("scheduled"), N_("Scheduled")),
    "met": (N_("met"), N_("Met")),
    "notMet": (N_("not met"), N_("Not met")),
    "partiallyMet": (N_("partially met"), N_("Partly met")),
}
MILESTONE_STATUS_LABELS = {status: words[0] for status, words in MILESTONE_WORDS.items()}
MILESTONE_TIMELINE_LABELS = {status: words[1] for status, words in MILESTONE_WORDS.items()}
MILESTONE_MARKERS = {"met": "✓", "partiallyMet": "◐", "notMet": "✗", "scheduled": "○", "overdue": "!"}

DOCUMENT_KINDS = {
    "acceptance_act": N_("Acceptance act"),
    "delivery_photo": N_("Delivery photo"),
    "other": N_("Other document"),
}
MONEY_LABELS = {"planned": N_("Planned"), "contracted": N_("Contracted"), "accepted": N_("Accepted")}


# Badge colours (CSS classes ok, warn, bad) of the statuses; a status not named has a plain badge.
LOT_STATUS_BADGES = {"contracted": "warn", "delivered": "warn", "accepted": "ok", "cancelled": "bad"}
STAGE_BADGES = {"contracted": "warn", "delivered": "warn", "opened": "ok"}
MILESTONE_BADGES = {"met": "ok", "partiallyMet": "warn", "notMet": "bad"}
# The hromada's page marks only the ends of a lot's way: accepted, or cancelled.
LOT_END_BADGES = {"accepted": "ok", "cancelled": "bad"}
# The hromada's page marks the stages where the goods have come.
STAGE_END_BADGES = {"opened": "ok", "delivered": "ok"}


def label(labels: dict[str, str], key: str) -> str:
    """The label of ``key`` in the page's language; the key itself when it has none."""
    return gettext(labels[key]) if key in labels else key


def amount(amount_minor: int | None, currency: str) -> str:
    """Minor units as money in the page's language; "—" when unknown (no exchange rate yet)."""
    if amount_minor is None or not currency:
        return "—"
    return format_amount(amount_minor, currency, get_locale())


def helpers() -> dict[str, Any]:
    """The staff templates' functions that name and colour a status, and show an amount."""
    return {
        "amount": amount,
        "category": lambda key: label(CATEGORY_LABELS, key),
        "method": lambda key: label(METHOD_LABELS, key),
        "lot_status": lambda key: label(LOT_STATUS_LABELS, key),
        "lot_badge": lambda key: LOT_STATUS_BADGES.get(key, ""),
        "move_label": lambda key: label(MOVE_LABELS, key),
        "stage_label": lambda key: label(STAGE_LABELS, key),
        "stage_badge": lambda key: STAGE_BADGES.get(key, ""),
        "milestone_status": lambda key: label(MILESTONE_STATUS_LABELS, key),
        "milestone_badge": lambda key: MILESTONE_BADGES.get(key, ""),
    }
