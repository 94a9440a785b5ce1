"""Pages of rounds: the list, the round page, the staff form, state moves, the screening queue and exports.

Server-rendered and usable without JavaScript. The logic lives in services.py; this module parses forms,
calls one service and renders (or redirects).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_currency
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import File, Redirect, Stream, Template

from app.accounts.auth import client_address, current_user, require_user, staff_only
from app.applications import eligibility, services
from app.applications.controllers import csv_stream, xlsx_stream
from app.applications.forms import (
    DEFAULT_DOCUMENT_KINDS,
    DEFAULT_QUESTIONS,
    validate_document_kinds,
    validate_questions,
)
from app.applications.tables import APPLICATION_STATUSES
from app.platform.documents import human_size
from app.platform.errors import DomainError, InvalidInput, NotFound
from app.platform.i18n import N_, _, format_kyiv, get_locale, kyiv_local_input
from app.platform.i18n import translate_plural as ngettext
from app.registry.services import queries as registry

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)
PAGE_SIZE = 25
CURRENCIES = ("EUR", "UAH")
EXAMPLE_RULES = {
    "all": [
        {"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": 100000}]},
        {"rule": "documents_required", "value": ["council_decision", "premises_plan"]},
    ]
}
TEXT_FIELDS = (
    "programme_code",
    "title_uk",
    "title_en",
    "description_uk",
    "description_en",
    "opens_at",
    "deadline",
    "quota",
    "budget",
    "currency",
    "rules",
    "questions",
    "document_kinds",
)
LOCKED_FIELDS = ("programme_code", "rules", "questions", "document_kinds")

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
    "reserve": N_("reserve"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
}
APPLICATION_STATUS_BADGES = {
    "eligible": "ok",
    "selected": "ok",
    "ineligible": "bad",
    "rejected": "bad",
    "reserve": "warn",
    "submitted": "warn",
}
QUESTION_TYPE_LABELS = {
    "text": N_("short text"),
    "long_text": N_("long text"),
    "number": N_("number"),
    "choice": N_("choice"),
    "date": N_("date"),
    "yes_no": N_("yes or no"),
}
QUEUE_COLUMNS = (
    ("hromada", N_("Hromada")),
    ("oblast", N_("Oblast")),
    ("population", N_("Population")),
    ("submitted", N_("Submitted")),
    ("status", N_("Status")),
    ("eligible", N_("Verdict")),
)


# --- Small helpers shared by the templates ------------------------------------------------------------


def round_status(status: str) -> str:
    return _(ROUND_STATUS_LABELS.get(status, status))


def application_status(status: str) -> str:
    return _(APPLICATION_STATUS_LABELS.get(status, status))


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
    moment = moment or services.now_utc()
    status, deadline, opens_at = round_["status"], round_["deadline"], round_["opens_at"]
    if status == "draft":
        return _("Not open yet")
    if status != "open" or deadline is None or deadline < moment:
        return _("Closed")
    if opens_at and opens_at > moment:
        unit, n = _span(opens_at - moment)
        if unit == "days":
            return ngettext("Opens in %(num)s day", "Opens in %(num)s days", n) % {"num": n}
        if unit == "hours":
            return ngettext("Opens in %(num)s hour", "Opens in %(num)s hours", n) % {"num": n}
        return _("Opens in less than an hour")
    unit, n = _span(deadline - moment)
    if unit == "days":
        return ngettext("Closes in %(num)s day", "Closes in %(num)s days", n) % {"num": n}
    if unit == "hours":
        return ngettext("Closes in %(num)s hour", "Closes in %(num)s hours", n) % {"num": n}
    return _("Closes in less than an hour")


def not_accepting_reason(round_: dict[str, Any], moment: datetime | None = None) -> str:
    moment = moment or services.now_utc()
    if round_["status"] == "open" and round_["opens_at"] and moment < round_["opens_at"]:
        return _("Applications open on %(when)s.", when=format_kyiv(round_["opens_at"]))
    if round_["status"] == "open" and round_["deadline"] and moment > round_["deadline"]:
        return _("The deadline has passed: %(when)s.", when=format_kyiv(round_["deadline"]))
    return _("This round does not accept applications now.")


def _labels(round_: dict[str, Any], oblasts: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    labels = {o["code"]: {"uk": o["name_uk"], "en": o["name_en"] or o["name_uk"]} for o in oblasts}
    for kind in round_["document_kinds"]:
        labels[kind["key"]] = {"uk": kind["title_uk"], "en": kind.get("title_en") or kind["title_uk"]}
    for question in round_["questions"]:
        labels[question["key"]] = {"uk": question["label_uk"], "en": question.get("label_en") or question["label_uk"]}
    return labels


def helpers() -> dict[str, Any]:
    return {
        "round_status": round_status,
        "round_badge": lambda status: ROUND_STATUS_BADGES.get(status, ""),
        "application_status": application_status,
        "application_badge": lambda status: APPLICATION_STATUS_BADGES.get(status, ""),
        "money": money,
        "countdown": countdown,
        "kyiv": format_kyiv,
        "human_size": human_size,
    }


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) if value is not None else ""


def _field_of(error: DomainError) -> str:
    """The form field a service error belongs to ("" when it belongs to the whole form)."""
    field = str(error.extra.get("field") or "")
    if field == "budget_minor":
        return "budget"
    for name in ("document_kinds", "questions"):
        if field.startswith(name):
            return name
    return field if field in TEXT_FIELDS else ""


# --- Form parsing -------------------------------------------------------------------------------------


def _form(data: dict[str, Any]) -> dict[str, str]:
    return {key: str(data.get(key) or "") for key in TEXT_FIELDS if key in data}


def _whole_number(text: str, field: str) -> int:
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return 0
    if not text.isdigit():
        raise InvalidInput(_("Write a whole number, zero or more."), extra={"field": field})
    return int(text)


def _budget_minor(text: str) -> int:
    text = text.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not text:
        return 0
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0 or (amount * 100) % 1:
        raise InvalidInput(_("Write the budget as an amount such as 1500000 or 1500000.50."), extra={"field": "budget"})
    return int(amount * 100)


def _json(text: str, field: str, empty: Any) -> Any:
    if not text.strip():
        return empty
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            _(
                "This is not valid JSON: %(problem)s at line %(line)s, column %(column)s.",
                problem=error.msg,
                line=error.lineno,
                column=error.colno,
            ),
            extra={"field": field},
        ) from None


def _parse(form: dict[str, str], *, locked: bool) -> dict[str, Any]:
    """The service's input from the form's texts; raises InvalidInput naming the field."""
    values: dict[str, Any] = {
        key: form.get(key, "")
        for key in ("title_uk", "title_en", "description_uk", "description_en", "opens_at", "deadline")
    }
    values["currency"] = form.get("currency") or "EUR"
    values["quota"] = _whole_number(form.get("quota", ""), "quota")
    values["budget_minor"] = _budget_minor(form.get("budget", ""))
    if locked:
        return values
    values["programme_code"] = form.get("programme_code", "")
    kinds = validate_document_kinds(_json(form.get("document_kinds", ""), "document_kinds", []))
    questions = validate_questions(_json(form.get("questions", ""), "questions", []))
    rules = _json(form.get("rules", ""), "rules", None)
    if rules is not None:
        try:
            eligibility.validate_rules(
                rules, question_keys={q["key"] for q in questions}, document_kinds={k["key"] for k in kinds}
            )
        except eligibility.RuleError as error:
            message = error.message_uk if get_locale() == "uk" else error.message
            raise InvalidInput(f"{error.path}: {message}", extra={"field": "rules", "path": error.path}) from None
    values.update(rules=rules, questions=questions, document_kinds=kinds)
    return values


def _form_from_round(round_: dict[str, Any]) -> dict[str, str]:
    budget = Decimal(round_["budget_minor"] or 0) / 100
    return {
        "programme_code": round_["programme_code"],
        "title_uk": round_["title_uk"],
        "title_en": round_["title_en"],
        "description_uk": round_["description_uk"],
        "description_en": round_["description_en"],
        "opens_at": kyiv_local_input(round_["opens_at"]),
        "deadline": kyiv_local_input(round_["deadline"]),
        "quota": str(round_["quota"]),
        "budget": f"{budget:f}".removesuffix(".00"),
        "currency": round_["currency"],
        "rules": _pretty(round_["rules"]),
        "questions": _pretty(round_["questions"]),
        "document_kinds": _pretty(round_["document_kinds"]),
    }


def _new_form() -> dict[str, str]:
    return {
        "programme_code": "",
        "title_uk": "",
        "title_en": "",
        "description_uk": "",
        "description_en": "",
        "opens_at": "",
        "deadline": "",
        "quota": "",
        "budget": "",
        "currency": "EUR",
        "rules": _pretty(EXAMPLE_RULES),
        "questions": _pretty(DEFAULT_QUESTIONS),
        "document_kinds": _pretty(DEFAULT_DOCUMENT_KINDS),
    }


async def _form_page(
    *, round_: dict[str, Any] | None, form: dict[str, str], error: DomainError | None = None, status_code: int = 200
) -> Template:
    locked = bool(round_ and round_["status"] != "draft")
    field = _field_of(error) if error else ""
    return Template(
        "applications/round_form.html",
        context={
            "round": round_,
            "form": form,
            "locked": locked,
            "errors": {field: error.message} if error and field else {},
            "general_error": error.message if error and not field else "",
            "error_path": str(error.extra.get("path") or "") if error else "",
            "programmes": await services.list_programmes(),
            "currencies": CURRENCIES,
            **helpers(),
        },
        status_code=status_code,
    )


# --- The round page ----------------------------------------------------------------------------------


async def _round_page(
    request: Request, round_: dict[str, Any], *, status_error: DomainError | None = None, status_code: int = 200
) -> Template:
    user = current_user(request)
    locale = get_locale()
    oblasts = await registry.list_oblasts()
    rules = eligibility.describe(round_["rules"], locale, labels=_labels(round_, oblasts)) if round_["rules"] else []
    accepting = services.accepting_applications(round_)
    leader: dict[str, Any] | None = None
    if user and user.role == "applicant" and user.hromada_code:
        mine = next((a for a in await services.my_applications(user=user) if a["round"] == round_["id"]), None)
        try:
            hromada = await registry.get_hromada(user.hromada_code)
        except NotFound:
            hromada = {"code": user.hromada_code, "full_name": user.hromada_code}
        leader = {"hromada": hromada, "application": mine}
    transitions = [
        {"to": to, "label": _(TRANSITION_LABELS.get((round_["status"], to), to))}
        for to in services.ROUND_TRANSITIONS.get(round_["status"], ())
    ]
    return Template(
        "applications/round.html",
        context={
            "round": round_,
            "user": user,
            "rules": rules,
            "accepting": accepting,
            "not_accepting": "" if accepting else not_accepting_reason(round_),
            "leader": leader,
            "transitions": transitions,
            "editable": round_["status"] in ("draft", "open"),
            "status_error": status_error.message if status_error else "",
            "question_type": lambda kind: _(QUESTION_TYPE_LABELS.get(kind, kind)),
            **helpers(),
        },
        status_code=status_code,
    )


# --- The screening queue -------------------------------------------------------------------------------


def _sort_links(filters: dict[str, str], sort: str) -> list[dict[str, Any]]:
    base = {k: v for k, v in filters.items() if k != "sort" and v}
    columns = []
    for key, label in QUEUE_COLUMNS:
        current = sort.removeprefix("-") == key or (not sort and key == "submitted")
        descending = sort.startswith("-")
        next_sort = f"-{key}" if current and not descending else key
        columns.append(
            {
                "key": key,
                "label": _(label),
                "href": "?" + urlencode({**base, "sort": next_sort}),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return columns


class RoundPages(Controller):
    path = "/rounds"
    tags = ["pages"]
    include_in_schema = False

    @get("/")
    async def index(self, request: Request) -> Template:
        rounds = await services.list_rounds(user=current_user(request))
        return Template(
            "applications/rounds.html", context={"rounds": rounds, "user": current_user(request), **helpers()}
        )

    @get("/new", guards=[staff_only])
    async def new_form(self) -> Template:
        form = _new_form()
        programmes = await services.list_programmes()
        if len(programmes) == 1:
            form["programme_code"] = programmes[0]["code"]
        return await _form_page(round_=None, form=form)

    @post("/new", guards=[staff_only], status_code=200)
    async def create(self, request: Request, data: Annotated[dict[str, Any], FormBody]) -> Template | Redirect:
        user = require_user(request)
        form = {**_new_form(), **_form(data)}
        try:
            values = _parse(form, locked=False)
            if values["programme_code"] not in {p["code"] for p in await services.list_programmes()}:
                raise InvalidInput(_("Choose a programme."), extra={"field": "programme_code"})
            created = await services.create_round(data=values, actor=user.actor(client_address(request)))
        except DomainError as error:
            return await _form_page(round_=None, form=form, error=error, status_code=error.status_code)
        return Redirect(f"/rounds/{created['id']}", status_code=303)

    @get("/{round_id:int}")
    async def detail(self, request: Request, round_id: int) -> Template:
        return await _round_page(request, await services.visible_round(round_id, current_user(request)))

    @get("/{round_id:int}/edit", guards=[staff_only])
    async def edit_form(self, round_id: int) -> Template:
        round_ = await services.get_round(round_id)
        error = None
        if round_["status"] not in ("draft", "open"):
            error = InvalidInput(_("A round can be edited only while it is a draft or open."))
        return await _form_page(round_=round_, form=_form_from_round(round_), error=error)

    @post("/{round_id:int}/edit", guards=[staff_only], status_code=200)
    async def update(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        round_ = await services.get_round(round_id)
        locked = round_["status"] != "draft"
        form = {
            **_form_from_round(round_),
            **{k: v for k, v in _form(data).items() if not (locked and k in LOCKED_FIELDS)},
        }
        unchanged = _form_from_round(round_)
        try:
            changes = _parse(form, locked=locked)
            # An unchanged time is not sent: an open round past its deadline can still fix a typo in its title.
            changes = {k: v for k, v in changes.items() if k not in ("opens_at", "deadline") or v != unchanged[k]}
            await services.update_round(round_id=round_id, changes=changes, actor=user.actor(client_address(request)))
        except DomainError as error:
            return await _form_page(round_=round_, form=form, error=error, status_code=error.status_code)
        return Redirect(f"/rounds/{round_id}", status_code=303)

    @post("/{round_id:int}/status", guards=[staff_only], status_code=200)
    async def move(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        try:
            await services.transition_round(
                round_id=round_id, to=str(data.get("status") or ""), actor=user.actor(client_address(request))
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            return await _round_page(
                request, await services.get_round(round_id), status_error=error, status_code=error.status_code
            )
        return Redirect(f"/rounds/{round_id}", status_code=303)

    @get("/{round_id:int}/applications", guards=[staff_only])
    async def queue(
        self,
        request: Request,
        round_id: int,
        status: str = "",
        oblast: str = "",
        eligible: str = "",
        q: str = "",
        sort: str = "",
        page: Annotated[int, Parameter(ge=1)] = 1,
    ) -> Template:
        user = require_user(request)
        round_ = await services.get_round(round_id)
        status = status if status in APPLICATION_STATUSES else ""
        eligible = eligible if eligible in ("yes", "no") else ""
        sort = sort if sort.removeprefix("-") in services.APPLICATION_SORTS else ""
        counts = await services.application_status_counts(round_id=round_id, user=user)
        submitted_total = sum(n for s, n in counts.items() if s != "draft")
        rows, total = await services.list_applications(
            round_id=round_id,
            user=user,
            status=status,
            oblast=oblast,
            q=q,
            eligible=eligible,
            sort=sort,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            # Unfiltered, the list is every application but the drafts, which the status counts already give.
            known_total=None if (status or oblast or q.strip() or eligible) else submitted_total,
        )
        filters = {"status": status, "oblast": oblast, "eligible": eligible, "q": q, "sort": sort}
        return Template(
            "applications/screening.html",
            context={
                "round": round_,
                "applications": rows,
                "total": total,
                "page": page,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "filters": filters,
                "columns": _sort_links(filters, sort),
                "counts": [(s, counts.get(s, 0)) for s in APPLICATION_STATUSES if counts.get(s)],
                "submitted_total": submitted_total,
                "statuses": APPLICATION_STATUSES,
                "oblasts": await registry.list_oblasts(),
                **helpers(),
            },
        )

    @get("/{round_id:int}/applications.csv", guards=[staff_only], media_type="text/csv")
    async def applications_csv(self, request: Request, round_id: int) -> Stream:
        meta, rows = await services.export_rows(round_id=round_id, user=require_user(request), locale=get_locale())
        return csv_stream(iter([meta["header"], *rows]), f"round-{round_id}-applications.csv")

    @get(
        "/{round_id:int}/applications.xlsx",
        guards=[staff_only],
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    async def applications_xlsx(self, request: Request, round_id: int) -> File:
        header, batches = await services.export_stream(
            round_id=round_id, user=require_user(request), locale=get_locale()
        )
        return await xlsx_stream(header, batches, f"round-{round_id}-applications.xlsx", f"Round {round_id}")

    @get("/{round_id:int}/eligibility.csv", guards=[staff_only], media_type="text/csv")
    async def eligibility_csv(self, request: Request, round_id: int) -> Stream:
        rows = await services.eligibility_rows(round_id=round_id, user=require_user(request), locale=get_locale())
        return csv_stream(rows, f"round-{round_id}-eligibility.csv")
