"""Who may see an application's documents. Rule: staff, and the leader of the applying hromada."""

from __future__ import annotations

from typing import Any

from app.applications.tables import Application
from app.platform.documents import Uploader, register_owner_check
from app.platform.i18n import _
from app.platform.permissions import Permission, allow, deny


async def can_read_application_document(user: Uploader, document: dict[str, Any]) -> Permission:
    if user.role in ("staff", "admin"):
        return allow()
    row = await Application.select(Application.hromada).where(Application.id == document["owner_id"]).first()
    if row and user.role == "applicant" and user.hromada_id == row["hromada"]:
        return allow()
    return deny(_("Only the applying hromada's leader and programme staff can open this document."))


def register() -> None:
    register_owner_check("application", can_read_application_document)
