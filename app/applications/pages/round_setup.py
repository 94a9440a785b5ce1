"""The staff's round set-up: the form to create a round and to edit one (texts, times, quota, budget, and while a
draft its rules, questions and documents as JSON). It reads the form's texts; the services decide what is valid."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from app.accounts.auth import client_address, require_user, staff_only
from app.applications.forms import (
    DEFAULT_DOCUMENT_KINDS,
    DEFAULT_QUESTIONS,
    validate_document_kinds,
    validate_questions,
)
from app.applications.pages.words import helpers
from app.applications.rules.kinds import RuleError
from app.applications.rules.validation import validate_rules
from app.applications.services import rounds
from app.platform.errors import DomainError, InvalidInput
from app.platform.i18n import _, get_locale, kyiv_local_input
from app.platform.web import FormBody

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
PLAIN_FIELDS = ("title_uk", "title_en", "description_uk", "description_en", "opens_at", "deadline")


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


def _digits(text: str) -> str:
    return text.strip().replace(" ", "").replace("\u00a0", "")


def _whole_number(text: str, field: str) -> int:
    text = _digits(text)
    if not text:
        return 0
    if not text.isdigit():
        raise InvalidInput(_("Write a whole number, zero or more."), extra={"field": field})
    return int(text)


def _budget_minor(text: str) -> int:
    text = _digits(text).replace(",", ".")
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
    values: dict[str, Any] = {key: form.get(key, "") for key in PLAIN_FIELDS}
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
            validate_rules(rules, question_keys={q["key"] for q in questions}, document_kinds={k["key"] for k in kinds})
        except RuleError as error:
            message = error.message_uk if get_locale() == "uk" else error.message
            raise InvalidInput(f"{error.path}: {message}", extra={"field": "rules", "path": error.path}) from None
    values.update(rules=rules, questions=questions, document_kinds=kinds)
    return values


def _form_from_round(round_: dict[str, Any]) -> dict[str, str]:
    budget = Decimal(round_["budget_minor"] or 0) / 100
    return {
        **{key: round_[key] for key in ("programme_code", *PLAIN_FIELDS[:4])},
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
        **{key: "" for key in TEXT_FIELDS},
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
            "programmes": await rounds.list_programmes(),
            "currencies": rounds.CURRENCIES,
            **helpers(),
        },
        status_code=status_code,
    )


class RoundSetupPages(Controller):
    path = "/rounds"
    tags = ["pages"]
    include_in_schema = False
    guards = [staff_only]

    @get("/new")
    async def new_form(self) -> Template:
        form = _new_form()
        programmes = await rounds.list_programmes()
        if len(programmes) == 1:
            form["programme_code"] = programmes[0]["code"]
        return await _form_page(round_=None, form=form)

    @post("/new", status_code=200)
    async def create(self, request: Request, data: Annotated[dict[str, Any], FormBody]) -> Template | Redirect:
        user = require_user(request)
        form = {**_new_form(), **_form(data)}
        try:
            values = _parse(form, locked=False)
            if values["programme_code"] not in {p["code"] for p in await rounds.list_programmes()}:
                raise InvalidInput(_("Choose a programme."), extra={"field": "programme_code"})
            created = await rounds.create_round(data=values, actor=user.actor(client_address(request)))
        except DomainError as error:
            return await _form_page(round_=None, form=form, error=error, status_code=error.status_code)
        return Redirect(f"/rounds/{created['id']}", status_code=303)

    @get("/{round_id:int}/edit")
    async def edit_form(self, round_id: int) -> Template:
        round_ = await rounds.get_round(round_id)
        error = None
        if round_["status"] not in ("draft", "open"):
            error = InvalidInput(_("A round can be edited only while it is a draft or open."))
        return await _form_page(round_=round_, form=_form_from_round(round_), error=error)

    @post("/{round_id:int}/edit", status_code=200)
    async def update(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        round_ = await rounds.get_round(round_id)
        locked = round_["status"] != "draft"
        unchanged = _form_from_round(round_)
        form = {**unchanged, **{k: v for k, v in _form(data).items() if not (locked and k in LOCKED_FIELDS)}}
        try:
            changes = _parse(form, locked=locked)
            # An unchanged time is not sent: an open round past its deadline can still fix a typo in its title.
            changes = {k: v for k, v in changes.items() if k not in ("opens_at", "deadline") or v != unchanged[k]}
            await rounds.update_round(round_id=round_id, changes=changes, actor=user.actor(client_address(request)))
        except DomainError as error:
            return await _form_page(round_=round_, form=form, error=error, status_code=error.status_code)
        return Redirect(f"/rounds/{round_id}", status_code=303)
