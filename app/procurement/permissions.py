"""Who may read a project's documents (acceptance documents, opening photos): its hromada's leader and staff.
Also wires procurement to the selection of winners."""

from __future__ import annotations

from typing import Any

from app.platform.documents import Uploader, register_owner_check
from app.platform.i18n import _
from app.platform.permissions import Permission, allow, deny
from app.procurement.services.projects import create_projects
from app.procurement.tables import Lot, Project
from app.scoring.services import on_winners_confirmed


async def _project_hromada(document: dict[str, Any]) -> int | None:
    if document["owner_type"] == "lot":
        row = await Lot.select(Lot.project.hromada.as_alias("hromada")).where(Lot.id == document["owner_id"]).first()
    else:
        row = await Project.select(Project.hromada).where(Project.id == document["owner_id"]).first()
    return row["hromada"] if row else None


async def can_read_project_document(user: Uploader, document: dict[str, Any]) -> Permission:
    if user.role in ("staff", "admin"):
        return allow()
    if user.role == "applicant" and user.hromada_id is not None and user.hromada_id == await _project_hromada(document):
        return allow()
    return deny(_("Only the hromada's leader and programme staff can open this document."))


def register() -> None:
    register_owner_check("lot", can_read_project_document)
    register_owner_check("project", can_read_project_document)
    on_winners_confirmed(create_projects)
