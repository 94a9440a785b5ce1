"""The round pages everyone may see: the list of rounds and a round's page (its rules in words, the leader's own
application, and for staff the state moves). Pages parse, call one service and render; they decide no rule."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from app.accounts.auth import client_address, current_user, require_user, staff_only
from app.applications.labels import question_type, rule_labels, transition_label
from app.applications.pages.words import helpers, not_accepting_reason
from app.applications.rules.description import describe
from app.applications.services import rounds
from app.applications.services.applications import my_applications
from app.platform.errors import DomainError, NotFound
from app.platform.i18n import get_locale
from app.platform.web import FormBody
from app.registry.services import queries as registry


async def _leader(request: Request, round_: dict[str, Any]) -> dict[str, Any] | None:
    """For a hromada leader: the hromada and its application in the round (None when it has none)."""
    user = current_user(request)
    if not (user and user.role == "applicant" and user.hromada_code):
        return None
    mine = next((a for a in await my_applications(user=user) if a["round"] == round_["id"]), None)
    try:
        hromada = await registry.get_hromada(user.hromada_code)
    except NotFound:
        hromada = {"code": user.hromada_code, "full_name": user.hromada_code}
    return {"hromada": hromada, "application": mine}


async def round_page(
    request: Request, round_: dict[str, Any], *, status_error: DomainError | None = None, status_code: int = 200
) -> Template:
    labels = rule_labels(round_, await registry.list_oblasts())
    accepting = rounds.accepting_applications(round_)
    transitions = [
        {"to": to, "label": transition_label(round_["status"], to)}
        for to in rounds.ROUND_TRANSITIONS.get(round_["status"], ())
    ]
    return Template(
        "applications/round.html",
        context={
            "round": round_,
            "user": current_user(request),
            "rules": describe(round_["rules"], get_locale(), labels=labels) if round_["rules"] else [],
            "accepting": accepting,
            "not_accepting": "" if accepting else not_accepting_reason(round_),
            "leader": await _leader(request, round_),
            "transitions": transitions,
            "editable": round_["status"] in ("draft", "open"),
            "status_error": status_error.message if status_error else "",
            "question_type": question_type,
            **helpers(),
        },
        status_code=status_code,
    )


class RoundPages(Controller):
    path = "/rounds"
    tags = ["pages"]
    include_in_schema = False

    @get("/")
    async def index(self, request: Request) -> Template:
        rounds_ = await rounds.list_rounds(user=current_user(request))
        return Template(
            "applications/rounds.html", context={"rounds": rounds_, "user": current_user(request), **helpers()}
        )

    @get("/{round_id:int}")
    async def detail(self, request: Request, round_id: int) -> Template:
        return await round_page(request, await rounds.visible_round(round_id, current_user(request)))

    @post("/{round_id:int}/status", guards=[staff_only], status_code=200)
    async def move(
        self, request: Request, round_id: int, data: Annotated[dict[str, Any], FormBody]
    ) -> Template | Redirect:
        user = require_user(request)
        try:
            await rounds.transition_round(
                round_id=round_id, to=str(data.get("status") or ""), actor=user.actor(client_address(request))
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            return await round_page(
                request, await rounds.get_round(round_id), status_error=error, status_code=error.status_code
            )
        return Redirect(f"/rounds/{round_id}", status_code=303)
