"""The words of rounds and applications: each status's label in both languages (babel markers) and badge colour,
the state moves, question types and default choices, and the titles a verdict names. Words only: no rule, no query."""

from __future__ import annotations

from typing import Any

from app.platform.i18n import N_, gettext

ROUND_STATUS_LABELS = {
    "draft": N_("draft"),
    "open": N_("open"),
    "closed": N_("closed"),
    "under_review": N_("under review"),
    "decided": N_("decided"),
    "archived": N_("archived"),
}
ROUND_STATUS_BADGES = {"open": "ok", "closed": "warn", "under_review": "warn"}
TRANSITION_LABELS = {
    ("draft", "open"): N_("Open for applications"),
    ("open", "closed"): N_("Close for applications"),
    ("closed", "open"): N_("Reopen for applications"),
    ("closed", "under_review"): N_("Start the review"),
    ("under_review", "decided"): N_("Mark as decided"),
    ("decided", "archived"): N_("Archive"),
}
APPLICATION_STATUS_LABELS = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "eligible": N_("eligible"),
    "ineligible": N_("ineligible"),
    "under_review": N_("under review"),
    "scored": N_("scored"),
    "selected": N_("selected"),
    "reserve": N_("reserve list"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
}
APPLICATION_STATUS_BADGES = {
    "eligible": "ok",
    "selected": "ok",
    "submitted": "warn",
    "under_review": "warn",
    "scored": "warn",
    "reserve": "warn",
    "ineligible": "bad",
    "rejected": "bad",
    "withdrawn": "bad",
}
QUESTION_TYPE_LABELS = {
    "text": N_("short text"),
    "long_text": N_("long text"),
    "number": N_("number"),
    "choice": N_("choice"),
    "date": N_("date"),
    "yes_no": N_("yes or no"),
}
# The choices of the default form, shown in words; a round's own choices are shown as written.
CHOICE_LABELS = {
    "regular": N_("Regular ASC"),
    "city_raion": N_("City-raion ASC"),
    "inter_municipal": N_("Inter-municipal ASC"),
    "mobile": N_("Mobile ASC"),
    "remote_workplaces": N_("Remote workplaces"),
    "branch": N_("Branch of an ASC"),
    "new": N_("New centre"),
    "modernisation": N_("Modernisation of a centre"),
}


def _word(table: dict[Any, str], key: Any, default: str) -> str:
    return gettext(table[key]) if key in table else default


def round_status(status: str) -> str:
    return _word(ROUND_STATUS_LABELS, status, status)


def round_badge(status: str) -> str:
    return ROUND_STATUS_BADGES.get(status, "")


def application_status(status: str) -> str:
    return _word(APPLICATION_STATUS_LABELS, status, status)


def application_badge(status: str) -> str:
    return APPLICATION_STATUS_BADGES.get(status, "")


def transition_label(current: str, to: str) -> str:
    return _word(TRANSITION_LABELS, (current, to), to)


def question_type(kind: str) -> str:
    return _word(QUESTION_TYPE_LABELS, kind, kind)


def choice_label(value: str) -> str:
    return _word(CHOICE_LABELS, value, value)


def verdict_labels(round_: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Question and document titles, so a reason names "Council decision", not ``council_decision``."""
    labels = {q["key"]: {"uk": q["label_uk"], "en": q.get("label_en") or q["label_uk"]} for q in round_["questions"]}
    for kind in round_["document_kinds"]:
        labels[kind["key"]] = {"uk": kind["title_uk"], "en": kind.get("title_en") or kind["title_uk"]}
    return labels


def rule_labels(round_: dict[str, Any], oblasts: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The titles the round page's rules name: the oblasts, the documents and the questions."""
    labels = {o["code"]: {"uk": o["name_uk"], "en": o["name_en"] or o["name_uk"]} for o in oblasts}
    return labels | verdict_labels(round_)
