"""What an expert may see: only the applications assigned to them, never one they are conflicted with."""

from __future__ import annotations

from typing import Any

from app.platform.documents import Uploader, register_owner_check
from app.platform.i18n import _
from app.platform.permissions import Permission, allow, deny
from app.scoring.tables import Assignment


async def can_expert_read_application_document(user: Uploader, document: dict[str, Any]) -> Permission:
    if (
        user.role == "expert"
        and user.id is not None
        and await Assignment.exists().where(
            (Assignment.application == document["owner_id"]) & (Assignment.expert == user.id)
        )
    ):
        return allow()
    return deny(
        _("Only the applying hromada's leader, its assigned experts and programme staff can open this document.")
    )


def register() -> None:
    register_owner_check("application", can_expert_read_application_document)
