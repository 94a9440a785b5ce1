"""The hromada's report that its ASC opened: the day (not in the future), an optional photo, and the last
milestone met. Must not set other milestones or touch lots."""

from __future__ import annotations

from typing import Any

from app.accounts.services.users import CurrentUser
from app.platform import audit
from app.platform.documents import IMAGE_TYPES
from app.platform.errors import InvalidInput
from app.platform.i18n import _
from app.procurement.services.documents import store_document
from app.procurement.services.inputs import kyiv_today, parse_date
from app.procurement.services.milestones import OPENING, set_milestone
from app.procurement.services.overview import project_detail
from app.procurement.services.projects import get_project

OPENING_PHOTO = "opening_photo"  # the kind of the opening's photo among the project's documents


async def report_opening(
    *,
    project_id: int,
    opened_on: Any,
    note: str,
    photo: tuple[str, bytes] | None,
    user: CurrentUser,
    actor: audit.Actor,
    storage: Any,
    max_bytes: int,
) -> dict[str, Any]:
    """The hromada reports the day its ASC opened, with a photo: the last milestone is met."""
    await get_project(project_id=project_id, user=user)
    day = parse_date(opened_on, "opened_on")
    if day is None:
        raise InvalidInput(_("Give the date the centre opened."), extra={"field": "opened_on"})
    if day > kyiv_today():  # checked before the photo is stored, so a refused report leaves no file behind
        raise InvalidInput(_("The opening date cannot be in the future."), extra={"field": "opened_on"})
    if photo is not None:
        upload = {"user": user, "actor": actor, "storage": storage, "max_bytes": max_bytes}
        await store_document(("project", project_id), photo, OPENING_PHOTO, allowed_types=IMAGE_TYPES, **upload)
    await set_milestone(
        project_id=project_id,
        key=OPENING,
        data={"status": "met", "date_met": day, "note": note},
        user=user,
        actor=actor,
    )
    return await project_detail(project_id=project_id, user=user)
