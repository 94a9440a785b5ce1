"""The expert's pages: the review queue and the scoring page, server-rendered and htmx-enhanced.

Every page works without JavaScript (plain forms, 303 redirects); with htmx the scoring form saves itself on
every change and keeps its version current, so the next save is not refused as stale. Controllers only parse,
call one service and render.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body
from litestar.response import Redirect, Template

from app.accounts.auth import client_address, require_user
from app.applications.pages.answers import shown_value
from app.platform.documents import human_size
from app.platform.errors import DomainError
from app.platform.i18n import N_, format_number, gettext, pick
from app.platform.web import is_htmx
from app.scoring import services
from app.scoring.rubric import maximum_total
from app.scoring.tables import CONFLICT_TYPES

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)

REVIEW_STATES = {
    "not_started": (N_("not started"), ""),
    "draft": (N_("draft"), "warn"),
    "submitted": (N_("submitted"), "ok"),
}
CONFLICT_LABELS = {
    "employment": N_("I work or worked for the hromada"),
    "family": N_("A family member is involved"),
    "financial": N_("A financial interest"),
    "oblast": N_("I live or work in the hromada's oblast"),
    "other": N_("Another reason"),
}


async def expert_only(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    user = require_user(connection)
    if user.role != "expert":
        raise PermissionDeniedException(gettext("These pages are for experts only."))


def review_state(row: dict[str, Any]) -> str:
    """A review never saved is "not started"; a saved one is a draft until submitted."""
    if row["status"] == "submitted":
        return "submitted"
    return "draft" if row["version"] > 1 else "not_started"


def state_label(state: str) -> str:
    return gettext(REVIEW_STATES[state][0])


def state_badge(state: str) -> str:
    return REVIEW_STATES[state][1]


def points_value(value: Any) -> str:
    """Points as a number field shows them: 4 and 4.5, never 4.0."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _single(value: Any) -> str:
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "" if value is None else str(value)


def form_review(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, str], int, bool]:
    """Points, comments, the version and whether the submit button was pressed, from the posted form."""
    scores = {key[len("points_") :]: _single(value).strip() for key, value in data.items() if key.startswith("points_")}
    comments = {key[len("comment_") :]: _single(value) for key, value in data.items() if key.startswith("comment_")}
    try:
        version = int(_single(data.get("version")))
    except ValueError:
        version = 0
    return scores, comments, version, _single(data.get("submit")) == "1"


async def render_review(
    request: Request,
    assignment_id: int,
    *,
    status_code: int = 200,
    error: str = "",
    stale: bool = False,
    posted: dict[str, Any] | None = None,
    field_errors: dict[str, str] | None = None,
    conflict_form: dict[str, str] | None = None,
    conflict_errors: dict[str, str] | None = None,
) -> Template:
    """The scoring page: the application on the left, the form (or the submitted review) on the right."""
    user = require_user(request)
    review = await services.get_review(assignment_id=assignment_id, user=user)
    context = await services.assignment_context(assignment_id=assignment_id, user=user, review=review)
    application, round_ = context["application"], context["round"]
    field_errors = field_errors or {}
    posted = posted or {}
    posted_points, posted_comments = posted.get("points", {}), posted.get("comments", {})

    criteria = []
    for criterion in review["criteria"]:
        key = criterion["key"]
        criteria.append(
            {
                "key": key,
                "title": pick(criterion["title_uk"], criterion["title_en"]),
                "guidance": pick(criterion["guidance_uk"], criterion["guidance_en"]),
                "max_points": criterion["max_points"],
                "max_value": points_value(criterion["max_points"]),
                "weight": criterion["weight"],
                "threshold": criterion["threshold"],
                "points": review["scores"].get(key),
                "value": posted_points[key] if key in posted_points else points_value(review["scores"].get(key)),
                "comment": posted_comments.get(key, review["comments"].get(key) or ""),
                "error": field_errors.get(key, ""),
            }
        )
    keys = {c["key"] for c in criteria}
    unplaced = [message for key, message in field_errors.items() if key not in keys]
    if unplaced and not error:
        error = unplaced[0]

    answers = application["answers"] or {}
    questions = [
        {"label": pick(q["label_uk"], q.get("label_en", "")), "shown": shown_value(q, answers.get(q["key"]))}
        for q in round_["questions"]
    ]
    kind_titles = {k["key"]: pick(k["title_uk"], k.get("title_en", "")) for k in round_["document_kinds"]}
    documents = [
        {**d, "kind_title": kind_titles.get(d["kind"], d["kind"]), "size": human_size(d["size_bytes"])}
        for d in context["documents"]
    ]
    others = review["others"]
    if others is not None:
        by_key = {c["key"]: c for c in criteria}
        others = [
            {
                "label": other["label"],
                "total": other["total"],
                "rows": [
                    {
                        "title": by_key[key]["title"],
                        "points": other["scores"].get(key),
                        "max_points": by_key[key]["max_points"],
                        "comment": other["comments"].get(key) or "",
                    }
                    for key in by_key
                ],
            }
            for other in others
        ]
    state = review_state(review)
    return Template(
        "scoring/review.html",
        context={
            "user": user,
            "review": review,
            "assignment_id": assignment_id,
            "state": state,
            "state_label": state_label(state),
            "state_badge": state_badge(state),
            "editable": review["status"] != "submitted",
            "version": posted.get("version", review["version"]),
            "maximum": maximum_total(review["criteria"]),
            "criteria": criteria,
            "application": application,
            "round": round_,
            "round_title": pick(round_["title_uk"], round_["title_en"]),
            "oblast_name": pick(application["oblast_name_uk"], application["oblast_name_en"]),
            "questions": questions,
            "documents": documents,
            "others": others,
            "error": error,
            "stale": stale,
            "saved": None,
            "save_error": "",
            "conflict_types": [(t, gettext(CONFLICT_LABELS.get(t, t))) for t in CONFLICT_TYPES],
            "conflict_form": {"type": "", "note": "", **(conflict_form or {})},
            "conflict_errors": {"type": "", "note": "", **(conflict_errors or {})},
        },
        status_code=status_code,
    )


def criterion_errors(failure: DomainError, criteria: list[dict[str, Any]]) -> dict[str, str]:
    """A refused save's messages for the fields they concern, said in terms of the form (the service names the
    criterion by its key, which the page shows as its title)."""
    by_key = {c["key"]: c for c in criteria}
    errors = {
        key: gettext("Score this criterion before submitting.")
        for key in failure.extra.get("missing", [])
        if key in by_key
    }
    field = failure.extra.get("field", "")
    if field in by_key:
        errors[field] = gettext(
            "Enter whole or half points from 0 to %(max)s.", max=format_number(by_key[field]["max_points"])
        )
    return errors


def saved_partial(
    assignment_id: int,
    criteria: list[dict[str, Any]],
    *,
    review: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Template:
    """The save status after an htmx autosave: "Saved, version N" with the new version and total swapped into
    the form out of band, or why the save was refused (the X-Review-Error header lets the page swap a 4xx in),
    with a criterion's message swapped in next to its field."""
    field_errors = criterion_errors(error, criteria) if error else {}
    context: dict[str, Any] = {
        "assignment_id": assignment_id,
        "saved": None,
        "save_error": "",
        "stale": False,
        "error_slots": [c["key"] for c in criteria],
        "field_errors": field_errors,
        "total": None,
        "maximum": maximum_total(criteria),
    }
    headers: dict[str, str] = {}
    if review is not None:
        context["saved"] = {"version": review["version"]}
        context["total"] = review["total"]
        headers["X-Review-Version"] = str(review["version"])
    if error is not None:
        context["stale"] = "current_version" in error.extra
        if field_errors:
            titles = [pick(c["title_uk"], c["title_en"]) for c in criteria if c["key"] in field_errors]
            context["save_error"] = gettext("check the marked criteria: %(titles)s.", titles=", ".join(titles))
        else:
            context["save_error"] = error.message
        headers["X-Review-Error"] = "1"
    return Template(
        "scoring/_review_saved.html",
        context=context,
        status_code=error.status_code if error else 200,
        headers=headers,
    )


class ExpertPages(Controller):
    include_in_schema = False
    guards = [expert_only]  # which asks for a signed-in user first: Litestar copies the handler for each guard

    @get("/reviews")
    async def queue(self, request: Request, removed: int | None = None) -> Template:
        user = require_user(request)
        rounds: list[dict[str, Any]] = []
        by_round: dict[int, dict[str, Any]] = {}
        for row in await services.my_assignments(user=user):
            group = by_round.get(row["round_id"])
            if group is None:
                group = {
                    "id": row["round_id"],
                    "title": pick(row["round_title_uk"], row["round_title_en"]),
                    "rows": [],
                    "submitted": 0,
                }
                by_round[row["round_id"]] = group
                rounds.append(group)
            state = review_state(row)
            group["rows"].append(
                {
                    **row,
                    "oblast_name": pick(row["oblast_name_uk"], row["oblast_name_en"]),
                    "state_label": state_label(state),
                    "state_badge": state_badge(state),
                }
            )
            group["submitted"] += state == "submitted"
        return Template("scoring/queue.html", context={"user": user, "rounds": rounds, "removed": removed})

    @get("/reviews/{assignment_id:int}")
    async def page(self, request: Request, assignment_id: int) -> Template:
        return await render_review(request, assignment_id)

    @post("/reviews/{assignment_id:int}/save", status_code=303)
    async def save(
        self, request: Request, assignment_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        scores, comments, version, submit = form_review(data or {})
        htmx = is_htmx(request)
        try:
            review = await services.save_review(
                assignment_id=assignment_id,
                user=user,
                scores=scores,
                comments=comments,
                # An autosave never submits: only the confirmed submit button, posted as a plain form, does.
                submit=submit and not htmx,
                version=version,
                actor=user.actor(client_address(request)),
            )
        except DomainError as failure:
            if failure.status_code == 404:
                raise
            criteria = (await services.get_review(assignment_id=assignment_id, user=user))["criteria"]
            if htmx:
                return saved_partial(assignment_id, criteria, error=failure)
            field_errors = criterion_errors(failure, criteria)
            stale = "current_version" in failure.extra
            return await render_review(
                request,
                assignment_id,
                status_code=failure.status_code,
                error="" if stale or field_errors else failure.message,
                stale=stale,
                posted={"points": scores, "comments": comments, "version": version},
                field_errors=field_errors,
            )
        if htmx:
            return saved_partial(assignment_id, review["criteria"], review=review)
        return Redirect(f"/reviews/{assignment_id}", status_code=303)

    @post("/reviews/{assignment_id:int}/conflict", status_code=303)
    async def conflict(
        self, request: Request, assignment_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        review = await services.get_review(assignment_id=assignment_id, user=user)
        form = {"type": _single((data or {}).get("type")), "note": _single((data or {}).get("note")).strip()}
        try:
            await services.declare_conflict(
                round_id=review["round_id"],
                expert_id=user.id,
                application_id=review["application"],
                type=form["type"],
                note=form["note"],
                user=user,
                actor=user.actor(client_address(request)),
            )
        except DomainError as failure:
            if failure.status_code == 404:
                raise
            field = failure.extra.get("field", "")
            return await render_review(
                request,
                assignment_id,
                status_code=failure.status_code,
                conflict_form=form,
                conflict_errors={field or "type": failure.message},
            )
        return Redirect(f"/reviews?removed={review['application']}", status_code=303)
