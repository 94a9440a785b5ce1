"""Staff pages of the expert review: the review dashboard, the ranking, the selection of winners, and the
decision as the hromada's leader sees it.

Server-rendered and usable without JavaScript (plain forms, 303 redirects after a change). The logic lives
in services.py; this module parses forms, calls the services and renders (or redirects).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import File, Redirect, Template

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.applications.pages.words import helpers, money
from app.applications.services import applications, rounds
from app.platform.errors import DomainError, InvalidInput
from app.platform.i18n import N_, _, format_number, pick
from app.platform.spreadsheets import xlsx_file
from app.registry.services import queries as registry
from app.scoring import services
from app.scoring.rubric import validate_criteria
from app.scoring.tables import CONFLICT_TYPES

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADD_ROWS = 3
CRITERION_FIELDS = ("key", "title_uk", "title_en", "guidance_uk", "guidance_en", "max_points", "weight", "threshold")
RUBRIC_FIELDS = (
    "criteria",
    "overall_threshold",
    "reviews_per_application",
    "divergence_percent",
    "hide_reviews_until",
    "oblast_is_conflict",
    "show_scores_to_applicants",
    "package_amount",
)
CHECKBOXES = ("oblast_is_conflict", "show_scores_to_applicants")
CONFLICT_LABELS = {
    "employment": N_("works or worked for the hromada"),
    "family": N_("family ties"),
    "financial": N_("financial interest"),
    "oblast": N_("the expert's own oblast"),
    "other": N_("other"),
}
DONE = {
    "rubric": N_("The rubric and the review settings were saved."),
    "unchanged": N_("Nothing changed: the rubric and the settings are as they were."),
    "expert": N_("The expert was added to the round."),
    "conflict": N_(
        "The conflict of interest was recorded. The expert lost access to the application, "
        "which was given to another expert where one was free."
    ),
    "moderated": N_("The moderated score was saved; it replaces the mean of the reviews in the ranking."),
    "reopened": N_("The review was reopened: the expert can change it and submit it again."),
}
ORIGIN = re.compile(r"^flagged-\d+$")


# --- Small helpers ---------------------------------------------------------------------------------------


def points(value: float | None) -> str:
    """Points and scores as people read them: at most two decimals, in the page's language."""
    return "—" if value is None else format_number(round(value, 2))


def _plain(value: Any) -> str:
    """A stored number as a form shows it: 10.0 → "10", None → ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _major(minor: int | None) -> str:
    amount = Decimal(minor or 0) / 100
    return f"{amount:f}".removesuffix(".00") if minor else ""


def _single(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "" if value is None else str(value).strip()


def _many(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def _whole(text: str, field: str, *, required: bool = True, minimum: int = 0) -> int | None:
    text = text.replace(" ", "").replace("\u00a0", "")
    if not text:
        if required:
            raise InvalidInput(_("Write a whole number."), extra={"field": field})
        return None
    if not text.lstrip("-").isdigit() or int(text) < minimum:
        raise InvalidInput(_("Write a whole number of at least %(min)s.", min=minimum), extra={"field": field})
    return int(text)


def _decimal(text: str, field: str) -> float | None:
    text = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise InvalidInput(_("Write a number such as 12 or 12.5."), extra={"field": field})
    return float(value)


def _minor(text: str, field: str) -> int | None:
    """An amount in major units ("150000" or "150000.50") as integer minor units; "" → None."""
    text = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0 or (amount * 100) % 1:
        raise InvalidInput(_("Write an amount such as 150000 or 150000.50."), extra={"field": field})
    return int(amount * 100)


def _pretty_criteria(criteria: list[dict[str, Any]]) -> str:
    shown = [
        {k: (int(c[k]) if isinstance(c[k], float) and c[k].is_integer() else c[k]) for k in CRITERION_FIELDS}
        for c in criteria
    ]
    return json.dumps(shown, ensure_ascii=False, indent=2)


def _comparable(criteria: list[dict[str, Any]]) -> list[tuple]:
    return [tuple(c[k] for k in CRITERION_FIELDS) for c in criteria]


def failed_labels(failed: list[str], criteria: list[dict[str, Any]]) -> list[str]:
    titles = {c["key"]: pick(c["title_uk"], c["title_en"]) for c in criteria}
    return [_("overall threshold") if key == "overall" else titles.get(key, key) for key in failed]


def page_helpers(criteria: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **helpers(),
        "points": points,
        "failed_labels": lambda failed: failed_labels(failed, criteria),
        "conflict_label": lambda kind: _(CONFLICT_LABELS.get(kind, kind)),
    }


# --- The review dashboard ----------------------------------------------------------------------------------


def _rubric_form(config: dict[str, Any], criteria: list[dict[str, Any]]) -> dict[str, str]:
    return {
        "criteria": _pretty_criteria(criteria),
        "overall_threshold": _plain(config["overall_threshold"]),
        "reviews_per_application": _plain(config["reviews_per_application"]),
        "divergence_percent": _plain(config["divergence_percent"]),
        "hide_reviews_until": config["hide_reviews_until"],
        "oblast_is_conflict": "on" if config["oblast_is_conflict"] else "",
        "show_scores_to_applicants": "on" if config["show_scores_to_applicants"] else "",
        "package_amount": _major(config["package_amount_minor"]),
    }


def _rubric_field(error: DomainError) -> str:
    field = str(error.extra.get("field") or "")
    if field.startswith("criteria"):
        return "criteria"
    if field == "package_amount_minor":
        return "package_amount"
    return field if field in RUBRIC_FIELDS else "rubric"


# Rows of each long list of the review dashboard: a page of it does not grow with the round. A disagreement is a
# card with two forms and a list of the experts free to add, hence fewer of them.
LIST_PAGE_SIZE = {"assignments": 100, "reviews": 100, "disagreements": 20}


def _sql_page(count: int, page: int, size: int) -> dict[str, Any]:
    """One page of a list of ``count`` rows, with what the pagination links need: the page (clamped to the
    pages there are) and the offset and size to read. ``rows`` is for the caller to fill."""
    pages = max(1, -(-count // size))
    page = min(max(1, page), pages)
    return {"rows": [], "page": page, "pages": pages, "count": count, "size": size, "offset": (page - 1) * size}


def _page_of(items: list[Any], page: int, size: int) -> dict[str, Any]:
    """One page of a list already in memory (see ``_sql_page``)."""
    chosen = _sql_page(len(items), page, size)
    chosen["rows"] = items[chosen["offset"] : chosen["offset"] + size]
    return chosen


async def _dashboard(
    request: Request,
    round_id: int,
    *,
    errors: dict[str, str] | None = None,
    forms: dict[str, dict[str, str]] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Template:
    errors = errors or {}
    pages = {name: (_int_param(request, f"{name}_page"), size) for name, size in LIST_PAGE_SIZE.items()}
    forms = forms or {}
    round_ = await rounds.get_round(round_id)
    config = await services.get_config(round_id)
    criteria = await services.get_criteria(round_id)
    began = await services.review_began(round_id)
    experts = await services.list_experts(round_id)
    conflicts = await services.list_conflicts(round_id)
    ranked = await services.ranking(round_id)
    rows = ranked["rows"]

    assignments = _sql_page(await services.count_assignments(round_id), *pages["assignments"])
    assignments["rows"] = await services.list_assignments(
        round_id, limit=assignments["size"], offset=assignments["offset"]
    )
    submitted_reviews = _sql_page(await services.count_submitted_reviews(round_id), *pages["reviews"])
    submitted_reviews["rows"] = await services.submitted_reviews(
        round_id, limit=submitted_reviews["size"], offset=submitted_reviews["offset"]
    )
    conflicted = {(c["expert"], c["application"]) for c in conflicts}
    reviewable = [r for r in rows if r["status"] in services.REVIEWABLE]
    disagreements = _page_of([row for row in rows if row["flagged"] or row["moderated"]], *pages["disagreements"])
    assigned_to = await services.experts_assigned([row["application_id"] for row in disagreements["rows"]])
    for index, row in enumerate(disagreements["rows"]):
        free = [
            e
            for e in experts
            if e["id"] not in assigned_to[row["application_id"]] and (e["id"], row["application_id"]) not in conflicted
        ]
        disagreements["rows"][index] = {**row, "free_experts": free}
    total_assigned = sum(e["assigned"] for e in experts)
    total_submitted = sum(e["submitted"] for e in experts)
    return Template(
        "scoring/dashboard.html",
        context={
            "round": round_,
            "config": config,
            "criteria": criteria,
            "maximum": ranked["maximum"],
            "began": began,
            "experts": experts,
            "assignments": assignments,
            "submitted_reviews": submitted_reviews,
            "conflicts": conflicts,
            "conflict_types": CONFLICT_TYPES,
            "reviewable": reviewable,
            "disagreements": disagreements,
            "flagged_count": sum(1 for r in rows if r["flagged"]),
            "failed": [r for r in rows if r["failed"]],
            "totals": {"assigned": total_assigned, "submitted": total_submitted},
            "oblasts": await registry.list_oblasts(),
            "rubric": forms.get("rubric") or _rubric_form(config, criteria),
            "expert_form": forms.get("expert") or {"email": "", "oblast_code": ""},
            "assign_form": forms.get("assign")
            or {"per_application": str(config["reviews_per_application"]), "seed": str(round_id)},
            "change_form": forms.get("change") or {},
            "conflict_form": forms.get("conflict") or {"expert_id": "", "application_id": "", "type": "", "note": ""},
            "moderation_form": forms.get("moderation") or {},
            "reopen_form": forms.get("reopen") or {},
            "add_rows": range(ADD_ROWS),
            "errors": errors,
            "opened": {
                "rubric": any(key in RUBRIC_FIELDS for key in errors),
                "assignments": any(key == "assignments" or key.startswith("add_") for key in errors),
                "reviews": any(key.startswith("reopen-") for key in errors),
            },
            "notice": notice,
            **page_helpers(criteria),
        },
        status_code=status_code,
    )


def _int_param(request: Request, name: str) -> int:
    """A page number from the query; anything else (letters, "²", a thousand digits) is the first page."""
    value = request.query_params.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 1


def _done_notice(done: str, n: int, short: int, added: int, removed: int) -> str:
    if done == "assigned":
        text = _("Automatic assignment made %(n)s new assignments.", n=n)
        if short:
            text += " " + _(
                "%(n)s applications could not get enough experts free of conflicts: add experts to the "
                "round and assign again.",
                n=short,
            )
        return text
    if done == "assignments":
        return _("The assignments were changed: %(added)s added, %(removed)s removed.", added=added, removed=removed)
    return _(DONE[done]) if done in DONE else ""


def _back(round_id: int, anchor: str, **query: Any) -> Redirect:
    return Redirect(f"/rounds/{round_id}/review?{urlencode(query)}#{anchor}", status_code=303)


# --- The ranking ---------------------------------------------------------------------------------------------


def _ranking_sheet(ranked: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The ranking as rows for the XLSX (the same columns as the API's export)."""
    keys = [c["key"] for c in ranked["criteria"]]
    header = [
        "rank",
        "application",
        "hromada_code",
        "hromada",
        "oblast",
        "population",
        "score",
        "reviews",
        "flagged",
        "failed",
        *[f"mean:{k}" for k in keys],
    ]
    rows = [
        [
            r["rank"],
            r["application_id"],
            r["hromada_code"],
            r["hromada_name"],
            r["oblast_name"],
            r["population"],
            r["score"],
            r["reviews_submitted"],
            "yes" if r["flagged"] else "",
            ", ".join(r["failed"]),
            *[r["criterion_means"].get(k) for k in keys],
        ]
        for r in ranked["rows"]
    ]
    return header, rows


# --- The selection ----------------------------------------------------------------------------------------


def _selection_form(round_: dict[str, Any]) -> dict[str, str]:
    return {"quota": str(round_["quota"] or ""), "budget": _major(round_["budget_minor"]), "oblast_cap": ""}


def _selection_params(form: dict[str, str]) -> dict[str, int | None]:
    """The service's limits from the form's texts; raises InvalidInput naming the field."""
    return {
        "quota": _whole(form.get("quota", ""), "quota", minimum=1),
        "budget_minor": _minor(form.get("budget", ""), "budget"),
        "oblast_cap": _whole(form.get("oblast_cap", ""), "oblast_cap", required=False, minimum=1),
    }


def _selection_field(error: DomainError) -> str:
    field = str(error.extra.get("field") or "")
    return {"budget_minor": "budget"}.get(field, field) if field in ("quota", "budget_minor", "oblast_cap") else ""


def _rest_reason(row: dict[str, Any], criteria: list[dict[str, Any]]) -> str:
    if row["status"] == "withdrawn":
        return _("withdrawn")
    if row["failed"]:
        return _("fails the thresholds: %(which)s", which=", ".join(failed_labels(row["failed"], criteria)))
    if row["score"] is None:
        return _("no score: no review submitted yet")
    return ""


async def _selection_page(
    request: Request,
    round_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    chosen: list[int] | None = None,
    confirm_error: str = "",
    promote_error: str = "",
    notice: str = "",
    status_code: int = 200,
) -> Template:
    round_ = await rounds.get_round(round_id)
    criteria = await services.get_criteria(round_id)
    selection = await services.current_selection(round_id)
    errors = errors or {}
    form = form or _selection_form(round_)
    preview = None
    published = None
    if selection:
        ranked = await services.ranking(round_id)
        by_id = {r["application_id"]: r for r in ranked["rows"]}
        winners = [by_id[i] for i in selection["winners"] if i in by_id]
        published = {
            "selection": selection,
            "winners": winners,
            "reserve": [by_id[i] for i in selection["reserve"] if i in by_id],
            "rejected": [r for r in ranked["rows"] if r["status"] == "rejected"],
            "spent_minor": sum(w["amount_minor"] for w in winners),
            "budget_minor": (selection["params"] or {}).get("budget_minor"),
        }
    elif not errors:
        try:
            params = _selection_params(form)
            preview = await services.preview_selection(round_id=round_id, **params)
        except InvalidInput as error:
            if form.get("quota"):
                errors = {_selection_field(error) or "selection": error.message}
    if preview is not None:
        if chosen is None:
            chosen = [w["application_id"] for w in preview["winners"]]
        for row in preview["rest"]:
            row["reason"] = _rest_reason(row, criteria)
    return Template(
        "scoring/selection.html",
        context={
            "round": round_,
            "criteria": criteria,
            "form": form,
            "errors": errors,
            "preview": preview,
            "candidates": (preview["winners"] + preview["reserve"]) if preview else [],
            "chosen": set(chosen or []),
            "published": published,
            "confirm_error": confirm_error,
            "promote_error": promote_error,
            "notice": notice,
            **page_helpers(criteria),
        },
        status_code=status_code,
    )


async def _hromada_name(request: Request, application_id: int) -> str:
    application = await applications.get_application(application_id=application_id, user=require_user(request))
    return application["hromada_name"]


# --- The controller ---------------------------------------------------------------------------------------


class ReviewStaffPages(Controller):
    include_in_schema = False
    tags = ["pages"]

    # The review dashboard ---------------------------------------------------------------------------------

    @get("/rounds/{round_id:int}/review", guards=[staff_only])
    async def dashboard(
        self,
        request: Request,
        round_id: int,
        done: str = "",
        n: int = 0,
        short: int = 0,
        added: int = 0,
        removed: int = 0,
    ) -> Template:
        return await _dashboard(request, round_id, notice=_done_notice(done, n, short, added, removed))

    @post("/rounds/{round_id:int}/review/rubric", guards=[staff_only], status_code=303)
    async def rubric(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        config = await services.get_config(round_id)
        current = await services.get_criteria(round_id)
        stored = _rubric_form(config, current)
        form = {**stored}
        for key in RUBRIC_FIELDS:
            if key in CHECKBOXES:
                form[key] = "on" if _single(data, key) else ""
            elif key in data:  # a field disabled once review began is not posted, and does not change
                form[key] = _single(data, key) if key != "criteria" else str(data.get(key) or "")
        try:
            criteria = None
            if "criteria" in data:
                try:
                    parsed = json.loads(form["criteria"])
                except json.JSONDecodeError as error:
                    raise InvalidInput(
                        _(
                            "This is not valid JSON: %(problem)s at line %(line)s, column %(column)s.",
                            problem=error.msg,
                            line=error.lineno,
                            column=error.colno,
                        ),
                        extra={"field": "criteria"},
                    ) from None
                if _comparable(validate_criteria(parsed)) != _comparable(current):
                    criteria = parsed
            wanted: dict[str, Any] = {
                "divergence_percent": _decimal(form["divergence_percent"], "divergence_percent"),
                "hide_reviews_until": form["hide_reviews_until"],
                "oblast_is_conflict": bool(form["oblast_is_conflict"]),
                "show_scores_to_applicants": bool(form["show_scores_to_applicants"]),
                "package_amount_minor": _minor(form["package_amount"], "package_amount") or 0,
            }
            if "overall_threshold" in data:
                wanted["overall_threshold"] = _decimal(form["overall_threshold"], "overall_threshold")
            if "reviews_per_application" in data:
                wanted["reviews_per_application"] = _whole(
                    form["reviews_per_application"], "reviews_per_application", minimum=1
                )
            # Only what changed is sent, so settings that stay editable can be saved after review began.
            changes = {k: v for k, v in wanted.items() if v != config[k]}
            if criteria is None and not changes:
                return _back(round_id, "rubric", done="unchanged")
            await services.replace_rubric(
                round_id=round_id, criteria=criteria, config=changes, actor=user.actor(client_address(request))
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            return await _dashboard(
                request,
                round_id,
                errors={_rubric_field(error): error.message},
                forms={"rubric": form},
                status_code=error.status_code,
            )
        return _back(round_id, "rubric", done="rubric")

    @post("/rounds/{round_id:int}/review/experts", guards=[staff_only], status_code=303)
    async def add_expert(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        form = {"email": _single(data, "email"), "oblast_code": _single(data, "oblast_code")}
        try:
            if not form["email"]:
                raise InvalidInput(_("Write the expert's email."), extra={"field": "email"})
            await services.add_expert(
                round_id=round_id,
                email=form["email"],
                oblast_code=form["oblast_code"],
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            return await _dashboard(
                request,
                round_id,
                errors={"expert_email": error.message},
                forms={"expert": form},
                status_code=error.status_code,
            )
        return _back(round_id, "experts", done="expert")

    @post("/rounds/{round_id:int}/review/assign", guards=[staff_only], status_code=303)
    async def auto_assign(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        form = {"per_application": _single(data, "per_application"), "seed": _single(data, "seed")}
        try:
            per_application = _whole(form["per_application"], "per_application", minimum=1)
            seed = _whole(form["seed"], "seed", required=False) or 0
            result = await services.auto_assign(
                round_id=round_id, per_application=per_application, seed=seed, actor=user.actor(client_address(request))
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            field = str(error.extra.get("field") or "")
            return await _dashboard(
                request,
                round_id,
                errors={f"assign_{field}" if field in form else "assign": error.message},
                forms={"assign": form},
                status_code=error.status_code,
            )
        return _back(round_id, "assignment", done="assigned", n=result["created"], short=len(result["short"]))

    @post("/rounds/{round_id:int}/review/assignments", guards=[staff_only], status_code=303)
    async def change_assignments(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        origin = _single(data, "origin")
        where = origin if ORIGIN.match(origin) else "assignments"
        form = {key: _single(data, key) for key in data if key.startswith("add_")}
        remove_texts = _many(data, "remove")
        try:
            add = []
            for index in range(ADD_ROWS):
                application, expert = form.get(f"add_application_{index}", ""), form.get(f"add_expert_{index}", "")
                if bool(application) != bool(expert):
                    raise InvalidInput(
                        _("Choose both the application and the expert, or neither."), extra={"field": f"add_{index}"}
                    )
                if application and expert:
                    add.append({"application_id": int(application), "expert_id": int(expert)})
            remove = [int(value) for value in remove_texts if value.isdigit()]
            if not add and not remove:
                raise InvalidInput(_("Tick an assignment to remove, or choose an application and an expert to add."))
            result = await services.change_assignments(
                round_id=round_id, add=add, remove=remove, actor=user.actor(client_address(request))
            )
        except (DomainError, ValueError) as error:
            message = error.message if isinstance(error, DomainError) else _("Choose from the lists.")
            field = str(error.extra.get("field") or "") if isinstance(error, DomainError) else ""
            key = field if where == "assignments" and field.startswith("add_") else where
            status = error.status_code if isinstance(error, DomainError) else 422
            return await _dashboard(
                request,
                round_id,
                errors={key: message},
                forms={"change": {**form, "remove": ",".join(remove_texts)}},
                status_code=status,
            )
        anchor = "disagreements" if where != "assignments" else "assignment"
        return _back(round_id, anchor, done="assignments", added=len(result["added"]), removed=len(result["removed"]))

    @post("/rounds/{round_id:int}/review/conflicts", guards=[staff_only], status_code=303)
    async def declare_conflict(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        form = {key: _single(data, key) for key in ("expert_id", "application_id", "type", "note")}
        try:
            if not form["expert_id"].isdigit():
                raise InvalidInput(_("Choose the expert."), extra={"field": "expert_id"})
            if not form["application_id"].isdigit():
                raise InvalidInput(_("Choose the application."), extra={"field": "application_id"})
            if not form["type"]:
                raise InvalidInput(_("Choose the kind of conflict."), extra={"field": "type"})
            await services.declare_conflict(
                round_id=round_id,
                expert_id=int(form["expert_id"]),
                application_id=int(form["application_id"]),
                type=form["type"],
                note=form["note"],
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            field = str(error.extra.get("field") or "")
            key = f"conflict_{field}" if field in form else "conflict"
            return await _dashboard(
                request, round_id, errors={key: error.message}, forms={"conflict": form}, status_code=error.status_code
            )
        return _back(round_id, "conflicts", done="conflict")

    @post("/applications/{application_id:int}/moderation-form", guards=[staff_only], status_code=303)
    async def moderate(
        self, request: Request, application_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        application = await applications.get_application(application_id=application_id, user=user)
        round_id = application["round"]
        form = {
            "application_id": str(application_id),
            "score": _single(data, "score"),
            "justification": _single(data, "justification"),
        }
        try:
            score = _decimal(form["score"], "score")
            if score is None:
                raise InvalidInput(_("Write the moderated score."), extra={"field": "score"})
            await services.moderate(
                application_id=application_id,
                score=score,
                justification=form["justification"],
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as error:
            field = str(error.extra.get("field") or "")
            key = f"moderation-{application_id}" + (f"-{field}" if field in ("score", "justification") else "")
            return await _dashboard(
                request,
                round_id,
                errors={key: error.message},
                forms={"moderation": form},
                status_code=error.status_code,
            )
        return _back(round_id, "disagreements", done="moderated")

    @post("/reviews/{review_id:int}/reopen-form", guards=[staff_only], status_code=303)
    async def reopen(
        self, request: Request, review_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        round_id = await services.review_round(review_id)
        form = {"review_id": str(review_id), "reason": _single(data, "reason")}
        try:
            await services.reopen_review(
                review_id=review_id, reason=form["reason"], actor=user.actor(client_address(request))
            )
        except DomainError as error:
            return await _dashboard(
                request,
                round_id,
                errors={f"reopen-{review_id}": error.message},
                forms={"reopen": form},
                status_code=error.status_code,
            )
        return _back(round_id, "reviews", done="reopened")

    # The ranking -------------------------------------------------------------------------------------------

    @get("/rounds/{round_id:int}/ranking", guards=[staff_only])
    async def ranking(self, round_id: int) -> Template:
        round_ = await rounds.get_round(round_id)
        ranked = await services.ranking(round_id)
        return Template(
            "scoring/ranking.html",
            context={
                "round": round_,
                "rows": ranked["rows"],
                "criteria": ranked["criteria"],
                "maximum": ranked["maximum"],
                "config": ranked["config"],
                **page_helpers(ranked["criteria"]),
            },
        )

    @get("/rounds/{round_id:int}/ranking.xlsx", guards=[staff_only], media_type=XLSX)
    async def ranking_xlsx(self, round_id: int) -> File:
        await rounds.get_round(round_id)
        header, rows = _ranking_sheet(await services.ranking(round_id))
        return xlsx_file(header, rows, f"round-{round_id}-ranking.xlsx", "Ranking")

    @get("/rounds/{round_id:int}/reviews.xlsx", guards=[staff_only], media_type=XLSX)
    async def reviews_xlsx(self, round_id: int) -> File:
        await rounds.get_round(round_id)
        header, rows = await services.review_rows(round_id)
        return xlsx_file(header, rows, f"round-{round_id}-reviews.xlsx", "Reviews")

    # The selection -----------------------------------------------------------------------------------------

    @get("/rounds/{round_id:int}/selection", guards=[staff_only])
    async def selection(
        self, request: Request, round_id: int, done: str = "", withdrawn: int = 0, promoted: int = 0
    ) -> Template:
        notice = ""
        if done == "confirmed":
            notice = _(
                "The selection was confirmed and the decision published: leaders now see it on their applications."
            )
        elif done == "promoted" and withdrawn:
            gone = await _hromada_name(request, withdrawn)
            if promoted:
                notice = _(
                    "%(withdrawn)s withdrew; %(promoted)s was promoted from the reserve list.",
                    withdrawn=gone,
                    promoted=await _hromada_name(request, promoted),
                )
            else:
                notice = _(
                    "%(withdrawn)s withdrew; no application on the reserve list fits the limits, so the "
                    "place stays empty.",
                    withdrawn=gone,
                )
        return await _selection_page(request, round_id, notice=notice)

    @post("/rounds/{round_id:int}/selection", guards=[staff_only], status_code=200)
    async def preview(self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]) -> Template:
        form = {key: _single(data, key) for key in ("quota", "budget", "oblast_cap")}
        try:
            _selection_params(form)
        except InvalidInput as error:
            return await _selection_page(
                request,
                round_id,
                form=form,
                errors={_selection_field(error) or "selection": error.message},
                status_code=422,
            )
        return await _selection_page(request, round_id, form=form)

    @post("/rounds/{round_id:int}/selection/confirm", guards=[staff_only], status_code=303)
    async def confirm(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        form = {key: _single(data, key) for key in ("quota", "budget", "oblast_cap")}
        chosen = [int(value) for value in _many(data, "winners") if value.isdigit()]
        try:
            params = _selection_params(form)
        except InvalidInput as error:
            return await _selection_page(
                request,
                round_id,
                form=form,
                status_code=422,
                errors={_selection_field(error) or "selection": error.message},
            )
        try:
            if not chosen:
                raise InvalidInput(_("Tick at least one winner."), extra={"limit": "winners"})
            await services.confirm_selection(
                round_id=round_id, winners=chosen, user=user, actor=user.actor(client_address(request)), **params
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            message = error.message
            if error.extra.get("limit") == "budget":
                message = await _budget_message(round_id, chosen, params)
            return await _selection_page(
                request, round_id, form=form, chosen=chosen, confirm_error=message, status_code=error.status_code
            )
        return Redirect(f"/rounds/{round_id}/selection?done=confirmed", status_code=303)

    @post("/rounds/{round_id:int}/selection/promote", guards=[staff_only], status_code=303)
    async def promote(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        withdrawn = _single(data, "withdrawn")
        try:
            if not withdrawn.isdigit():
                raise InvalidInput(_("Choose the winner who withdrew."))
            result = await services.promote_from_reserve(
                round_id=round_id, withdrawn_application_id=int(withdrawn), actor=user.actor(client_address(request))
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            return await _selection_page(request, round_id, promote_error=error.message, status_code=error.status_code)
        query = {"done": "promoted", "withdrawn": result["withdrawn"]}
        if result["promoted"] is not None:
            query["promoted"] = result["promoted"]
        return Redirect(f"/rounds/{round_id}/selection?{urlencode(query)}", status_code=303)

    # The decision, as the leader sees it -------------------------------------------------------------------

    @get("/applications/{application_id:int}/outcome", guards=[signed_in])
    async def outcome(self, request: Request, application_id: int) -> Template:
        user = require_user(request)
        application = await applications.get_application(application_id=application_id, user=user)
        outcome = await services.outcome_for_applicant(application=application)
        criteria = await services.get_criteria(application["round"]) if outcome["scores"] else []
        reserve_position = None
        if application["status"] == "reserve":
            selection = await services.current_selection(application["round"])
            if selection and application_id in selection["reserve"]:
                reserve_position = selection["reserve"].index(application_id) + 1
        return Template(
            "scoring/_outcome.html",
            context={
                "user": user,
                "application": application,
                "outcome": outcome,
                "criteria": criteria,
                "reserve_position": reserve_position,
                "round_title": pick(application["round_title_uk"], application["round_title_en"]),
                "full_page": request.headers.get("hx-request") != "true",
                "points": points,
            },
        )


async def _budget_message(round_id: int, chosen: list[int], params: dict[str, Any]) -> str:
    """The budget limit in money, not minor units: what the chosen winners add up to against the budget."""
    round_ = await rounds.get_round(round_id)
    ranked = {r["application_id"]: r for r in (await services.ranking(round_id))["rows"]}
    spent = sum(ranked[i]["amount_minor"] for i in chosen if i in ranked)
    return _(
        "Over the budget: the ticked winners' amounts add up to %(spent)s, more than the budget of "
        "%(budget)s. Untick a winner or raise the budget.",
        spent=money(spent, round_["currency"]),
        budget=money(params["budget_minor"], round_["currency"]),
    )
