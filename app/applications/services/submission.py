"""Submitting a complete draft before the deadline (its verdict and rules recorded) and withdrawing an application.
It decides when an application leaves the draft and what it must hold by then; it must not screen it."""

from __future__ import annotations

from typing import Any

from app.accounts.services.users import CurrentUser
from app.applications.forms import clean_answers, missing_required
from app.applications.services.applications import get_application
from app.applications.services.documents import document_kinds
from app.applications.services.drafts import leaders_application
from app.applications.services.eligibility import hromada_facts, verdict_for
from app.applications.services.records import record
from app.applications.services.rounds import accepting_applications, deadline_passed, get_round, not_accepting, now_utc
from app.applications.tables import Application
from app.platform import audit
from app.platform.db import write_transaction
from app.platform.errors import Conflict, InvalidInput
from app.platform.i18n import _, pick


def _missing_parts(round_: dict[str, Any], answers: dict[str, Any], kinds: set[str]) -> None:
    """Refuse a submission that lacks a required answer or document, naming them all."""
    missing_answers = missing_required(round_["questions"], answers)
    missing_documents = [k["key"] for k in round_["document_kinds"] if k["required"] and k["key"] not in kinds]
    if missing_answers or missing_documents:
        labels = {q["key"]: q for q in round_["questions"]} | {k["key"]: k for k in round_["document_kinds"]}
        names = [_label(labels[key]) for key in missing_answers + missing_documents]
        raise InvalidInput(
            _("Complete the application before submitting. Missing: %(missing)s.", missing="; ".join(names)),
            extra={"missing_answers": missing_answers, "missing_documents": missing_documents},
        )


async def submit(*, application_id: int, user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        application = await leaders_application(
            application_id, user, _("Only the hromada's leader submits its application.")
        )
        round_ = await get_round(application["round"])
        if application["status"] != "draft":
            raise Conflict(_("This application was already submitted."))
        # One moment for the deadline check and the stored time, so an accepted submission never reads
        # as later than the deadline.
        submitted_at = now_utc()
        if round_["deadline"] and submitted_at > round_["deadline"]:
            raise deadline_passed(round_)
        if not accepting_applications(round_, submitted_at):
            raise not_accepting(round_)
        answers = clean_answers(round_["questions"], application["answers"] or {}, strict=True)
        kinds = await document_kinds(application_id)
        _missing_parts(round_, answers, kinds)
        hromada = await hromada_facts(application["hromada_code"])
        verdict = await verdict_for(round_=round_, hromada=hromada, answers=answers, document_kinds=kinds)
        await Application.update(
            {
                Application.status: "submitted",
                Application.answers: answers,
                Application.submitted_at: submitted_at,
                Application.verdict: verdict,
                Application.rules_snapshot: round_["rules"],
                Application.eligible: verdict["eligible"],
                Application.updated_at: submitted_at,
            }
        ).where(Application.id == application_id)
        await record(
            actor,
            "application.submit",
            application_id,
            before={"status": "draft"},
            after={"status": "submitted", "eligible": verdict["eligible"]},
        )
    return await get_application(application_id=application_id, user=user)


def _label(spec: dict[str, Any]) -> str:
    if "label_uk" in spec:
        return pick(spec["label_uk"], spec.get("label_en", ""))
    return pick(spec["title_uk"], spec.get("title_en", ""))


async def withdraw(*, application_id: int, user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    async with write_transaction():
        application = await leaders_application(
            application_id, user, _("Only the hromada's leader withdraws its application.")
        )
        if application["status"] not in ("draft", "submitted"):
            raise Conflict(_("An application that is %(status)s cannot be withdrawn.", status=application["status"]))
        round_ = await get_round(application["round"])
        if round_["deadline"] and now_utc() > round_["deadline"]:
            raise deadline_passed(round_)
        await Application.update(
            {Application.status: "withdrawn", Application.withdrawn_at: now_utc(), Application.updated_at: now_utc()}
        ).where(Application.id == application_id)
        await record(
            actor,
            "application.withdraw",
            application_id,
            before={"status": application["status"]},
            after={"status": "withdrawn"},
        )
    return await get_application(application_id=application_id, user=user)
