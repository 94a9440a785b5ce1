"""A hromada's draft application: starting it, saving its answers (every save a revision), reading its revisions.
It decides what a draft may hold and when it may change; it must not submit, withdraw or screen it."""

from __future__ import annotations

from typing import Any

from app.accounts.services.users import CurrentUser
from app.applications.forms import clean_answers
from app.applications.services.applications import decode_application, get_application, hromada_application_id
from app.applications.services.records import record
from app.applications.services.rounds import accepting_applications, get_round, not_accepting, now_utc, visible_round
from app.applications.tables import Application, ApplicationRevision
from app.platform import audit
from app.platform.db import write_transaction
from app.platform.errors import Conflict, NotAllowed, NotFound
from app.platform.i18n import _


async def create_application(
    *, round_id: int, hromada_code: str, answers: dict[str, Any] | None, user: CurrentUser, actor: audit.Actor
) -> dict[str, Any]:
    if user.role != "applicant" or user.hromada_code != hromada_code:
        raise NotFound(_("You can apply only for your own hromada."))
    round_ = await visible_round(round_id, user)
    if not accepting_applications(round_):
        raise not_accepting(round_)
    cleaned = clean_answers(round_["questions"], answers or {}, strict=False)
    async with write_transaction():
        existing = await hromada_application_id(round_id=round_id, hromada_id=user.hromada_id)
        if existing:
            raise Conflict(
                _("Your hromada already has an application in this round: number %(id)s.", id=existing),
                extra={"application_id": existing, "url": f"/applications/{existing}"},
            )
        application = Application(round=round_id, hromada=user.hromada_id, answers=cleaned, created_by=user.id)
        await application.save()
        await ApplicationRevision.insert(
            ApplicationRevision(application=application.id, revision=1, answers=cleaned, saved_by=user.id)
        )
        await record(
            actor,
            "application.create",
            application.id,
            after={"round": round_id, "hromada": hromada_code, "answers": cleaned},
        )
    return await get_application(application_id=application.id, user=user)


async def leaders_application(application_id: int, user: CurrentUser, refusal: str) -> dict[str, Any]:
    """The application, locked, when ``user`` is its hromada's leader; ``refusal`` is said to anyone else."""
    application = await get_application(application_id=application_id, user=user, lock=True)
    if user.role != "applicant":
        raise NotAllowed(refusal)
    return application


async def editable_draft(application_id: int, user: CurrentUser) -> tuple[dict[str, Any], dict[str, Any]]:
    """The draft (locked) and its round, when ``user`` is its leader and the round still accepts applications."""
    application = await leaders_application(application_id, user, _("Only the hromada's leader edits its application."))
    if application["status"] != "draft":
        raise Conflict(_("The application was submitted and can no longer change."))
    round_ = await get_round(application["round"])
    if not accepting_applications(round_):
        raise not_accepting(round_)
    return application, round_


async def save_answers(
    *, application_id: int, answers: dict[str, Any], user: CurrentUser, actor: audit.Actor
) -> dict[str, Any]:
    """Merge ``answers`` into the draft; every save is a new revision."""
    async with write_transaction():
        application, round_ = await editable_draft(application_id, user)
        cleaned = clean_answers(round_["questions"], answers, strict=False)
        merged = {**(application["answers"] or {}), **cleaned}
        if merged == application["answers"]:
            return application
        revision = application["revision"] + 1
        await Application.update(
            {Application.answers: merged, Application.revision: revision, Application.updated_at: now_utc()}
        ).where(Application.id == application_id)
        await ApplicationRevision.insert(
            ApplicationRevision(application=application_id, revision=revision, answers=merged, saved_by=user.id)
        )
        before, after = audit.changed_fields(application["answers"] or {}, merged)
        await record(actor, "application.save", application_id, before=before, after=after)
    return await get_application(application_id=application_id, user=user)


async def revisions(*, application_id: int, user: CurrentUser) -> list[dict[str, Any]]:
    await get_application(application_id=application_id, user=user)
    rows = (
        await ApplicationRevision.select()
        .where(ApplicationRevision.application == application_id)
        .order_by(ApplicationRevision.revision)
    )
    return [decode_application(row) for row in rows]
