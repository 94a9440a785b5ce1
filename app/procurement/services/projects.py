"""Winners' projects: creating one per winner, who may see which, reading them (alone or as a list, narrowed),
the support package of catalogue items. Must not touch lots, milestones' states or money: those have modules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from app.accounts.services.users import CurrentUser
from app.applications.tables import Application
from app.platform import audit
from app.platform.db import PreparedSelect, ids_in, ids_value, write_transaction
from app.platform.errors import InvalidInput, NotAllowed, NotFound
from app.platform.i18n import _
from app.procurement.services.inputs import check_quantity, kyiv_today
from app.procurement.tables import CatalogueItem, Milestone, MilestoneTemplate, PackageItem, Project


async def create_projects(round_id: int, application_ids: list[int], actor: audit.Actor) -> list[int]:
    """A project per winner, with the milestone template's milestones (called inside the selection's
    transaction, by the hook registered with scoring)."""
    templates = await MilestoneTemplate.select().order_by(MilestoneTemplate.position)
    created = []
    for application_id in application_ids:
        if await Project.exists().where(Project.application == application_id):
            continue
        application = await Application.select(Application.hromada).where(Application.id == application_id).first()
        project = Project(application=application_id, round=round_id, hromada=application["hromada"])
        await project.save()
        start = kyiv_today()
        await Milestone.insert(
            *[
                Milestone(
                    project=project.id,
                    key=t["key"],
                    position=t["position"],
                    title_uk=t["title_uk"],
                    title_en=t["title_en"],
                    due_date=start + timedelta(days=t["due_after_days"]),
                )
                for t in templates
            ]
        )
        await audit.record(
            actor=actor,
            action="project.create",
            object_type="project",
            object_id=project.id,
            after={"application": application_id, "round": round_id},
        )
        created.append(project.id)
    return created


@cache
def _project_columns() -> tuple:
    """Built once: each join path (``Project.hromada.oblast.code``) costs Piccolo a copy of the column."""
    return (
        Project.all_columns(),
        Project.hromada.code.as_alias("hromada_code"),
        Project.hromada.full_name.as_alias("hromada_name"),
        Project.hromada.oblast.code.as_alias("oblast_code"),
        Project.hromada.oblast.name_uk.as_alias("oblast_name_uk"),
        Project.hromada.oblast.name_en.as_alias("oblast_name_en"),
        Project.round.title_uk.as_alias("round_title_uk"),
        Project.round.title_en.as_alias("round_title_en"),
        Project.round.programme.as_alias("programme"),
    )


def can_view_project(user: CurrentUser, project: dict[str, Any]) -> bool:
    return user.is_staff or (user.role == "applicant" and user.hromada_id == project["hromada"])


_PROJECT_BY_ID = PreparedSelect(
    lambda project_id: Project.select(*_project_columns()).where(Project.id == project_id), params=1, key_lookup=True
)
_PACKAGE = PreparedSelect(
    lambda project_id: (
        PackageItem.select(
            PackageItem.id,
            PackageItem.quantity,
            PackageItem.item,
            PackageItem.item.name_uk.as_alias("name_uk"),
            PackageItem.item.name_en.as_alias("name_en"),
            PackageItem.item.category.as_alias("category"),
            PackageItem.item.unit.as_alias("unit"),
            PackageItem.item.unit_price_minor.as_alias("unit_price_minor"),
            PackageItem.item.currency.as_alias("currency"),
        )
        .where(PackageItem.project == project_id)
        .order_by(PackageItem.id)
    ),
    params=1,
    key_lookup=True,
)


# How a list of projects may be narrowed: each takes the value that ``projects_where`` is given under the same name.
_PROJECT_FILTERS = {
    "round_id": lambda value: Project.round == value,
    "programme_id": lambda value: Project.round.programme == value,
    "hromada_id": lambda value: Project.hromada == value,
}


@cache
def _projects_select(filters: tuple[str, ...]) -> PreparedSelect:
    """The projects (``_project_columns``) narrowed by ``filters``, names of ``_PROJECT_FILTERS`` whose values
    ``rows()`` takes in that order: prepared once for each combination (there are few)."""

    def build(*values: Any) -> Any:
        query = Project.select(*_project_columns()).order_by(Project.id)
        for name, value in zip(filters, values, strict=True):
            query = query.where(_PROJECT_FILTERS[name](value))
        return query

    return PreparedSelect(build, params=len(filters))


async def projects_where(**filters: int | None) -> list[dict[str, Any]]:
    """The projects, by id, narrowed by each filter given a value (``round_id=3``; None or 0: not narrowed)."""
    given = {name: value for name, value in filters.items() if value}
    return await _projects_select(tuple(given)).rows(*given.values())


async def get_project(*, project_id: int, user: CurrentUser) -> dict[str, Any]:
    project = await _PROJECT_BY_ID.first(project_id)
    if project is None or not can_view_project(user, project):
        raise NotFound(_("There is no such project among those you can see."))
    return project


async def list_projects(*, user: CurrentUser, round_id: int | None = None) -> list[dict[str, Any]]:
    if user.is_staff:
        return await projects_where(round_id=round_id)
    if user.role != "applicant" or user.hromada_id is None:
        return []
    return await projects_where(round_id=round_id, hromada_id=user.hromada_id)


class OfProjects:
    """A select of the rows of some projects (or of their lots), given their ids: ``select()`` with its columns,
    narrowed to ``key`` in the ids and ordered by ``order_by``. Prepared twice, as a key lookup for one project's
    few rows (its page, one of its lots) and as an ordinary read for a list of projects."""

    def __init__(self, select: Callable[[], Any], key: Any, order_by: Any) -> None:
        def build(ids: Any) -> Any:
            return select().where(ids_in(key, ids)).order_by(order_by)

        self._one = PreparedSelect(build, params=1, key_lookup=True)
        self._many = PreparedSelect(build, params=1)

    async def rows(self, ids: list[int], *, one_project: bool) -> list[dict[str, Any]]:
        return await (self._one if one_project else self._many).rows(ids_value(ids))

    async def by_project(self, project_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """The rows of each of ``project_ids`` (rows that have a ``project`` column), in the select's order."""
        rows = await self.rows(project_ids, one_project=len(project_ids) == 1) if project_ids else []
        result: dict[int, list[dict[str, Any]]] = {pid: [] for pid in project_ids}
        for row in rows:
            result[row["project"]].append(row)
        return result


async def package_of(project_id: int) -> list[dict[str, Any]]:
    """The project's support package: catalogue items with their quantities, names and unit prices."""
    return await _PACKAGE.rows(project_id)


async def set_package(
    *, project_id: int, items: list[dict[str, Any]], user: CurrentUser, actor: audit.Actor
) -> list[dict[str, Any]]:
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff compose support packages."))
    await get_project(project_id=project_id, user=user)
    cleaned = []
    for index, entry in enumerate(items):
        item_id, quantity = entry.get("item_id"), entry.get("quantity")
        if not await CatalogueItem.exists().where(CatalogueItem.id == item_id):
            raise InvalidInput(
                _("items[%(i)s]: there is no catalogue item %(id)s.", i=index, id=item_id), extra={"field": "items"}
            )
        cleaned.append((item_id, check_quantity(quantity, index)))
    async with write_transaction():
        before = await PackageItem.select(PackageItem.item, PackageItem.quantity).where(
            PackageItem.project == project_id
        )
        await PackageItem.delete().where(PackageItem.project == project_id)
        if cleaned:
            await PackageItem.insert(*[PackageItem(project=project_id, item=i, quantity=q) for i, q in cleaned])
        await audit.record(
            actor=actor,
            action="project.package",
            object_type="project",
            object_id=project_id,
            before={"items": before},
            after={"items": [{"item": i, "quantity": q} for i, q in cleaned]},
        )
    return await package_of(project_id)
