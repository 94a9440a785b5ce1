"""Winners' projects: support packages, lots through procurement, deliveries, milestones, the dashboard."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from app.accounts.services import CurrentUser
from app.applications.tables import Application, Round
from app.platform import audit
from app.platform.db import PreparedSelect, for_update, ids_in, ids_value, write_transaction
from app.platform.errors import Conflict, InvalidInput, NotAllowed, NotFound
from app.platform.i18n import KYIV, _
from app.procurement.codes import valid_edrpou, valid_prozorro_id
from app.procurement.money import both, parse_rate, stored_rate
from app.procurement.tables import (
    CATEGORIES,
    CURRENCIES,
    METHODS,
    MILESTONE_STATUSES,
    CatalogueItem,
    Delivery,
    ExchangeRate,
    Lot,
    LotItem,
    Milestone,
    MilestoneTemplate,
    PackageItem,
    ProcurementConfig,
    Project,
    Supplier,
)

LOT_FLOW = ("planning", "tender", "awarded", "contracted", "delivered", "accepted")
# Which delivery milestone a lot category completes once all such lots are accepted.
DELIVERY_MILESTONES = {
    "furniture": "furniture_delivered",
    "it_equipment": "equipment_installed",
    "queue_system": "equipment_installed",
    "mobile_asc": "equipment_installed",
    "software": "software_connected",
}
STAGES = ("selected", "contracted", "delivered", "opened")


def now_utc() -> datetime:
    return datetime.now(UTC)


def kyiv_today() -> date:
    return datetime.now(KYIV).date()


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a date such as 2027-03-31.", field=field), extra={"field": field}
        ) from None


def _amount(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            _("%(field)s must be a whole number of minor units (kopiykas or cents), zero or more.", field=field),
            extra={"field": field},
        )
    return value


def _currency(value: Any, field: str = "currency") -> str:
    currency = str(value or "").upper()
    if currency not in CURRENCIES:
        raise InvalidInput(_("The currency must be UAH or EUR."), extra={"field": field})
    return currency


# --- Projects -------------------------------------------------------------------------------------


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


# How a list of projects may be narrowed: each takes the value that ``_projects`` is given under the same name.
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


async def _projects(**filters: int | None) -> list[dict[str, Any]]:
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
        return await _projects(round_id=round_id)
    if user.role != "applicant" or user.hromada_id is None:
        return []
    return await _projects(round_id=round_id, hromada_id=user.hromada_id)


async def project_detail(*, project_id: int, user: CurrentUser, today: date | None = None) -> dict[str, Any]:
    project = await get_project(project_id=project_id, user=user)
    lots = await lots_of([project_id])
    milestones = await milestones_of([project_id], today=today)
    package = await _PACKAGE.rows(project_id)
    rate = await latest_rate()
    totals = project_totals(lots, rate)
    return {
        "project": project,
        "lots": lots[project_id],
        "milestones": milestones[project_id],
        "package": package,
        "totals": totals,
        "stage": project_stage(lots[project_id], milestones[project_id]),
    }


# --- Catalogue and package ---------------------------------------------------------------------------


async def list_catalogue(*, active_only: bool = True) -> list[dict[str, Any]]:
    query = CatalogueItem.select().order_by(CatalogueItem.category).order_by(CatalogueItem.name_uk)
    if active_only:
        query = query.where(CatalogueItem.active == True)  # noqa: E712
    return await query


async def add_catalogue_item(*, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    name_uk = str(data.get("name_uk") or "").strip()
    if not name_uk:
        raise InvalidInput(_("Give the item a name in Ukrainian."), extra={"field": "name_uk"})
    category = data.get("category")
    if category not in CATEGORIES:
        raise InvalidInput(
            _("The category must be one of: %(names)s.", names=", ".join(CATEGORIES)), extra={"field": "category"}
        )
    item = CatalogueItem(
        name_uk=name_uk,
        name_en=str(data.get("name_en") or "").strip(),
        category=category,
        unit=str(data.get("unit") or "pcs")[:20],
        unit_price_minor=_amount(data.get("unit_price_minor"), "unit_price_minor"),
        currency=_currency(data.get("currency", "UAH")),
    )
    async with write_transaction():
        await item.save()
        await audit.record(
            actor=actor, action="catalogue.add", object_type="catalogue_item", object_id=item.id, after=item.to_dict()
        )
    return item.to_dict()


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
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidInput(
                _("items[%(i)s]: the quantity must be a whole number of at least 1.", i=index), extra={"field": "items"}
            )
        cleaned.append((item_id, quantity))
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
    return (await project_detail(project_id=project_id, user=user))["package"]


# --- Lots ---------------------------------------------------------------------------------------------


class _OfProjects:
    """A select of the rows of some projects (or of their lots), given their ids: prepared twice, as a key lookup
    for one project's few rows (its page, one of its lots) and as an ordinary read for a list of projects."""

    def __init__(self, build: Any) -> None:
        self._one = PreparedSelect(build, params=1, key_lookup=True)
        self._many = PreparedSelect(build, params=1)

    async def rows(self, ids: list[int], *, one_project: bool) -> list[dict[str, Any]]:
        return await (self._one if one_project else self._many).rows(ids_value(ids))


_LOTS = _OfProjects(
    lambda project_ids: (
        Lot.select(
            Lot.all_columns(),
            Lot.supplier.name.as_alias("supplier_name"),
            Lot.supplier.edrpou.as_alias("supplier_edrpou"),
        )
        .where(ids_in(Lot.project, project_ids))
        .order_by(Lot.id)
    )
)
_LOT_ITEMS = _OfProjects(lambda lot_ids: LotItem.select().where(ids_in(LotItem.lot, lot_ids)).order_by(LotItem.id))
_DELIVERIES = _OfProjects(
    lambda lot_ids: Delivery.select().where(ids_in(Delivery.lot, lot_ids)).order_by(Delivery.delivered_on)
)


# What a project's money and stage need of its lots (``lot_amounts``, ``project_stage``): the dashboard and the
# list of projects read these columns only, not the lots' texts, dates, items and deliveries.
_LOT_MONEY = _OfProjects(
    lambda project_ids: (
        Lot.select(
            Lot.project,
            Lot.status,
            Lot.estimate_minor,
            Lot.currency,
            Lot.contract_value_minor,
            Lot.contract_currency,
            Lot.exchange_rate,
        )
        .where(ids_in(Lot.project, project_ids))
        .order_by(Lot.id)
    )
)


def _by_project(project_ids: list[int], rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    result: dict[int, list[dict[str, Any]]] = {pid: [] for pid in project_ids}
    for row in rows:
        result[row["project"]].append(row)
    return result


async def lot_money_of(project_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The lots of each project with only the columns of their money and status (see ``_LOT_MONEY``)."""
    rows = await _LOT_MONEY.rows(project_ids, one_project=len(project_ids) == 1) if project_ids else []
    return _by_project(project_ids, rows)


async def lots_of(project_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    result: dict[int, list[dict[str, Any]]] = {pid: [] for pid in project_ids}
    if not project_ids:
        return result
    one = len(project_ids) == 1
    lots = await _LOTS.rows(project_ids, one_project=one)
    lot_ids = [lot["id"] for lot in lots]
    items: dict[int, list] = defaultdict(list)
    deliveries: dict[int, list] = defaultdict(list)
    if lot_ids:
        for row in await _LOT_ITEMS.rows(lot_ids, one_project=one):
            items[row["lot"]].append(row)
        for row in await _DELIVERIES.rows(lot_ids, one_project=one):
            deliveries[row["lot"]].append(row)
    for lot in lots:
        lot["items"] = items[lot["id"]]
        lot["deliveries"] = deliveries[lot["id"]]
        lot["allowed_next"] = allowed_next(lot["status"])
        result[lot["project"]].append(lot)
    return result


def allowed_next(status: str) -> list[str]:
    if status in ("accepted", "cancelled"):
        return []
    return [LOT_FLOW[LOT_FLOW.index(status) + 1], "cancelled"]


async def _editable_project(project_id: int, user: CurrentUser) -> dict[str, Any]:
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff manage procurement lots."))
    return await get_project(project_id=project_id, user=user)


async def create_lot(*, project_id: int, data: dict[str, Any], user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    await _editable_project(project_id, user)
    category = data.get("category")
    if category not in CATEGORIES:
        raise InvalidInput(
            _("The category must be one of: %(names)s.", names=", ".join(CATEGORIES)), extra={"field": "category"}
        )
    method = data.get("method", "programme")
    if method not in METHODS:
        raise InvalidInput(
            _(
                "The method must be 'programme' (bought by the programme) or 'prozorro' (bought by "
                "the hromada through Prozorro)."
            ),
            extra={"field": "method"},
        )
    currency = _currency(data.get("currency", "UAH"))
    items = data.get("items") or []
    if not isinstance(items, list) or not items:
        raise InvalidInput(
            _("A lot needs at least one item with a quantity and an estimate."), extra={"field": "items"}
        )
    rows = []
    for index, entry in enumerate(items):
        if not isinstance(entry, dict):
            raise InvalidInput(_("items[%(i)s] must be an object.", i=index), extra={"field": "items"})
        item_id = entry.get("item_id")
        description = str(entry.get("description") or "").strip()
        if item_id is not None:
            item = await CatalogueItem.select().where(CatalogueItem.id == item_id).first()
            if item is None:
                raise InvalidInput(
                    _("items[%(i)s]: there is no catalogue item %(id)s.", i=index, id=item_id), extra={"field": "items"}
                )
            description = description or item["name_uk"]
        if not description:
            raise InvalidInput(
                _("items[%(i)s] needs a catalogue item or a description.", i=index), extra={"field": "items"}
            )
        quantity = entry.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidInput(
                _("items[%(i)s]: the quantity must be a whole number of at least 1.", i=index), extra={"field": "items"}
            )
        rows.append(
            {
                "item": item_id,
                "description": description[:300],
                "quantity": quantity,
                "estimate_minor": _amount(entry.get("estimate_minor", 0), f"items[{index}].estimate_minor"),
            }
        )
    estimate = sum(r["estimate_minor"] for r in rows)
    lot = Lot(
        project=project_id,
        title=str(data.get("title") or "")[:300],
        category=category,
        method=method,
        currency=currency,
        estimate_minor=estimate,
    )
    async with write_transaction():
        await lot.save()
        await LotItem.insert(*[LotItem(lot=lot.id, **row) for row in rows])
        await audit.record(
            actor=actor,
            action="lot.create",
            object_type="lot",
            object_id=lot.id,
            after={
                "project": project_id,
                "category": category,
                "method": method,
                "estimate_minor": estimate,
                "currency": currency,
                "items": rows,
            },
        )
    return await get_lot(lot_id=lot.id, user=user)


async def get_lot(*, lot_id: int, user: CurrentUser) -> dict[str, Any]:
    row = await Lot.select(Lot.project).where(Lot.id == lot_id).first()
    if row is None:
        raise NotFound(_("There is no such lot."))
    await get_project(project_id=row["project"], user=user)
    lots = await lots_of([row["project"]])
    return next(lot for lot in lots[row["project"]] if lot["id"] == lot_id)


async def _supplier(data: Any) -> int:
    if not isinstance(data, dict):
        raise InvalidInput(_("The supplier needs a name and an EDRPOU code."), extra={"field": "supplier"})
    edrpou = str(data.get("edrpou") or "").strip()
    if not valid_edrpou(edrpou):
        raise InvalidInput(
            _("The EDRPOU code must be 8 digits whose last digit is the check digit, e.g. 14360570."),
            extra={"field": "supplier.edrpou"},
        )
    existing = await Supplier.select(Supplier.id).where(Supplier.edrpou == edrpou).first()
    if existing:
        return existing["id"]
    name = str(data.get("name") or "").strip()
    if not name:
        raise InvalidInput(_("Give the supplier's name."), extra={"field": "supplier.name"})
    supplier = Supplier(name=name[:300], edrpou=edrpou)
    await supplier.save()
    return supplier.id


async def rate_on(day: date) -> Decimal | None:
    row = (
        await ExchangeRate.select()
        .where(ExchangeRate.on_date <= day)
        .order_by(ExchangeRate.on_date, ascending=False)
        .first()
    )
    return parse_rate(row["uah_per_eur"]) if row else None


_LATEST_RATE = PreparedSelect(
    lambda: ExchangeRate.select(ExchangeRate.uah_per_eur).order_by(ExchangeRate.on_date, ascending=False).limit(1),
    params=0,
    key_lookup=True,  # the last entry of the unique index on on_date
)


async def latest_rate() -> Decimal | None:
    row = await _LATEST_RATE.first()
    return stored_rate(row["uah_per_eur"]) if row else None


async def set_rate(*, on_date: Any, uah_per_eur: str, actor: audit.Actor) -> dict[str, Any]:
    day = _date(on_date, "on_date")
    if day is None:
        raise InvalidInput(_("Give the date of the rate."), extra={"field": "on_date"})
    rate = parse_rate(uah_per_eur)
    if rate is None:
        raise InvalidInput(_("Give the rate in hryvnias per euro."), extra={"field": "uah_per_eur"})
    async with write_transaction():
        await ExchangeRate.delete().where(ExchangeRate.on_date == day)
        await ExchangeRate.insert(ExchangeRate(on_date=day, uah_per_eur=str(rate)))
        await audit.record(
            actor=actor,
            action="rate.set",
            object_type="exchange_rate",
            object_id=str(day),
            after={"uah_per_eur": str(rate)},
        )
    return {"on_date": day, "uah_per_eur": str(rate)}


async def update_lot(*, lot_id: int, changes: dict[str, Any], user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    """Change a lot's data and/or move it one step: planning → tender → awarded → contracted → delivered →
    accepted, or cancelled; each step needs its data (tender id, supplier, contract, deliveries)."""
    if not user.is_staff:
        raise NotAllowed(_("Only programme staff manage procurement lots."))
    async with write_transaction():
        lot = await for_update(Lot.select().where(Lot.id == lot_id), Lot).first()
        if lot is None:
            raise NotFound(_("There is no such lot."))
        project = await get_project(project_id=lot["project"], user=user)
        values: dict[str, Any] = {}
        if "title" in changes:
            values["title"] = str(changes["title"] or "")[:300]
        if "prozorro_id" in changes:
            tender_id = str(changes["prozorro_id"] or "").strip()
            if tender_id and not valid_prozorro_id(tender_id):
                raise InvalidInput(
                    _("A Prozorro tender id has the form UA-YYYY-MM-DD-NNNNNN-x, e.g. UA-2019-08-01-000123-a."),
                    extra={"field": "prozorro_id"},
                )
            values["prozorro_id"] = tender_id
        if "supplier" in changes and changes["supplier"] is not None:
            values["supplier"] = await _supplier(changes["supplier"])
        if "contract" in changes and changes["contract"] is not None:
            values.update(await _contract_values(changes["contract"], lot, changes, await _tolerance(project)))
        target = changes.get("status")
        merged = {**lot, **values}
        if target is not None and target != lot["status"]:
            allowed = allowed_next(lot["status"])
            if target not in allowed:
                raise Conflict(
                    _(
                        "A lot that is %(status)s cannot become %(target)s. Allowed next: %(allowed)s.",
                        status=lot["status"],
                        target=target,
                        allowed=", ".join(allowed) or "—",
                    ),
                    extra={"allowed": allowed},
                )
            await _check_step(target, merged, changes)
            values["status"] = target
            if target == "accepted":
                values["accepted_on"] = (
                    _date(changes.get("accepted_on"), "accepted_on")
                    or _last_delivery(await Delivery.select().where(Delivery.lot == lot_id))
                    or kyiv_today()
                )
        if not values:
            return await get_lot(lot_id=lot_id, user=user)
        values["updated_at"] = now_utc()
        await Lot.update({getattr(Lot, k): v for k, v in values.items()}).where(Lot.id == lot_id)
        before = {k: lot.get(k) for k in values if k != "updated_at"}
        after = {k: v for k, v in values.items() if k != "updated_at"}
        before, after = audit.changed_fields(before, after)
        await audit.record(
            actor=actor, action="lot.update", object_type="lot", object_id=lot_id, before=before, after=after
        )
        if values.get("status") == "accepted":
            await sync_delivery_milestones(lot["project"], actor)
    return await get_lot(lot_id=lot_id, user=user)


async def _tolerance(project: dict[str, Any]) -> int:
    row = (
        await ProcurementConfig.select(ProcurementConfig.tolerance_percent)
        .where(ProcurementConfig.round == project["round"])
        .first()
    )
    return row["tolerance_percent"] if row else 10


async def _contract_values(
    contract: Any, lot: dict[str, Any], changes: dict[str, Any], tolerance: int
) -> dict[str, Any]:
    if not isinstance(contract, dict):
        raise InvalidInput(
            _("The contract needs a number, a date, a value and a currency."), extra={"field": "contract"}
        )
    number = str(contract.get("number") or "").strip()
    if not number:
        raise InvalidInput(_("Give the contract's number."), extra={"field": "contract.number"})
    signed = _date(contract.get("date"), "contract.date")
    if signed is None:
        raise InvalidInput(_("Give the contract's date."), extra={"field": "contract.date"})
    value = _amount(contract.get("value_minor"), "contract.value_minor")
    currency = _currency(contract.get("currency", lot["currency"]), "contract.currency")
    rate = parse_rate(contract.get("exchange_rate")) or await rate_on(signed)
    if rate is None:
        raise InvalidInput(
            _(
                "There is no EUR/UAH exchange rate for %(date)s: give the contract's exchange_rate.",
                date=signed.isoformat(),
            ),
            extra={"field": "contract.exchange_rate"},
        )
    estimate_in_contract_currency = both(lot["estimate_minor"], lot["currency"], rate)[currency] or 0
    limit = estimate_in_contract_currency * (100 + tolerance) / 100
    reason = str(changes.get("over_estimate_reason") or "").strip()
    if value > limit and not (changes.get("confirm_over_estimate") and reason):
        raise InvalidInput(
            _(
                "The contract value is more than %(tolerance)s%% above the lot's estimate. Confirm it with a reason "
                "(confirm_over_estimate and over_estimate_reason).",
                tolerance=tolerance,
            ),
            extra={"field": "contract.value_minor", "limit_minor": int(limit)},
        )
    return {
        "contract_number": number[:60],
        "contract_date": signed,
        "contract_value_minor": value,
        "contract_currency": currency,
        "exchange_rate": str(rate),
        "over_estimate_reason": reason if value > limit else "",
    }


async def _check_step(target: str, lot: dict[str, Any], changes: dict[str, Any]) -> None:
    if target == "tender" and lot["method"] == "prozorro" and not lot["prozorro_id"]:
        raise InvalidInput(
            _("A lot bought through Prozorro needs its tender id before the tender stage."),
            extra={"field": "prozorro_id"},
        )
    if target == "awarded" and not lot["supplier"]:
        raise InvalidInput(_("Name the supplier (name and EDRPOU code) to award the lot."), extra={"field": "supplier"})
    if target == "contracted" and lot["contract_value_minor"] is None:
        raise InvalidInput(
            _("Enter the contract (number, date, value, currency) to mark the lot contracted."),
            extra={"field": "contract"},
        )
    if target in ("delivered", "accepted"):
        if not await Delivery.exists().where(Delivery.lot == lot["id"]):
            raise InvalidInput(_("Record at least one delivery first."), extra={"field": "deliveries"})


def _last_delivery(deliveries: list[dict[str, Any]]) -> date | None:
    return max((d["delivered_on"] for d in deliveries), default=None)


async def add_delivery(*, lot_id: int, data: dict[str, Any], user: CurrentUser, actor: audit.Actor) -> dict[str, Any]:
    """Staff, or the hromada's leader, record a delivery (documents attach to it afterwards)."""
    async with write_transaction():
        lot = await for_update(Lot.select().where(Lot.id == lot_id), Lot).first()
        if lot is None:
            raise NotFound(_("There is no such lot."))
        await get_project(project_id=lot["project"], user=user)
        if not (user.is_staff or user.role == "applicant"):
            raise NotAllowed(_("Only programme staff and the hromada's leader record deliveries."))
        if lot["status"] == "cancelled":
            raise Conflict(_("The lot is cancelled: it takes no deliveries."))
        if lot["status"] not in ("contracted", "delivered"):
            raise Conflict(
                _("Deliveries are recorded once the lot is contracted; it is %(status)s.", status=lot["status"])
            )
        delivered_on = _date(data.get("delivered_on"), "delivered_on")
        if delivered_on is None:
            raise InvalidInput(_("Give the delivery date."), extra={"field": "delivered_on"})
        quantity = data.get("quantity", 0)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise InvalidInput(_("The quantity must be a whole number, zero or more."), extra={"field": "quantity"})
        delivery = Delivery(
            lot=lot_id,
            delivered_on=delivered_on,
            quantity=quantity,
            note=str(data.get("note") or ""),
            accepted=bool(data.get("accepted", False)),
            recorded_by=user.id,
        )
        await delivery.save()
        await audit.record(
            actor=actor,
            action="delivery.add",
            object_type="lot",
            object_id=lot_id,
            after={"delivery": delivery.id, "delivered_on": delivered_on, "quantity": quantity},
        )
    return delivery.to_dict()


# --- Milestones ---------------------------------------------------------------------------------------


def is_overdue(milestone: dict[str, Any], today: date) -> bool:
    return milestone["status"] != "met" and milestone["due_date"] is not None and milestone["due_date"] < today


_MILESTONES = _OfProjects(
    lambda project_ids: Milestone.select().where(ids_in(Milestone.project, project_ids)).order_by(Milestone.position)
)


# What the stage of a project and the list of overdue milestones need (``project_stage``, ``is_overdue``).
_MILESTONE_STATES = _OfProjects(
    lambda project_ids: (
        Milestone.select(
            Milestone.project,
            Milestone.key,
            Milestone.title_uk,
            Milestone.title_en,
            Milestone.due_date,
            Milestone.status,
        )
        .where(ids_in(Milestone.project, project_ids))
        .order_by(Milestone.position)
    )
)


async def _milestones(
    select: _OfProjects, project_ids: list[int], today: date | None
) -> dict[int, list[dict[str, Any]]]:
    today = today or kyiv_today()
    rows = await select.rows(project_ids, one_project=len(project_ids) == 1) if project_ids else []
    for row in rows:
        row["overdue"] = is_overdue(row, today)
    return _by_project(project_ids, rows)


async def milestones_of(project_ids: list[int], today: date | None = None) -> dict[int, list[dict[str, Any]]]:
    return await _milestones(_MILESTONES, project_ids, today)


async def milestone_states_of(project_ids: list[int], today: date | None = None) -> dict[int, list[dict[str, Any]]]:
    """The milestones of each project with only what their state needs (see ``_MILESTONE_STATES``)."""
    return await _milestones(_MILESTONE_STATES, project_ids, today)


async def set_milestone(
    *, project_id: int, key: str, data: dict[str, Any], user: CurrentUser, actor: audit.Actor
) -> dict[str, Any]:
    project = await get_project(project_id=project_id, user=user)
    if not user.is_staff and not (user.role == "applicant" and key == "asc_opened"):
        raise NotAllowed(_("Only programme staff update milestones; the hromada's leader reports the opening."))
    status = data.get("status")
    if status not in MILESTONE_STATUSES:
        raise InvalidInput(
            _("The status must be one of: %(names)s.", names=", ".join(MILESTONE_STATUSES)), extra={"field": "status"}
        )
    date_met = _date(data.get("date_met"), "date_met")
    if status in ("met", "partiallyMet") and date_met is None:
        raise InvalidInput(_("Give the date the milestone was met."), extra={"field": "date_met"})
    if date_met and date_met > kyiv_today():
        raise InvalidInput(_("The date met cannot be in the future."), extra={"field": "date_met"})
    value = data.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidInput(_("The number must be a whole number, zero or more."), extra={"field": "value"})
    async with write_transaction():
        row = await for_update(
            Milestone.select().where((Milestone.project == project_id) & (Milestone.key == key)), Milestone
        ).first()
        if row is None:
            raise NotFound(_("This project has no milestone %(key)s.", key=key))
        values = {
            "status": status,
            "date_met": date_met if status != "scheduled" else None,
            "note": str(data.get("note") or row["note"] or ""),
        }
        if "value" in data:
            values["value"] = value
        if "due_date" in data and user.is_staff:
            values["due_date"] = _date(data["due_date"], "due_date")
        await Milestone.update({getattr(Milestone, k): v for k, v in values.items()}).where(Milestone.id == row["id"])
        if key == "asc_opened":
            await Project.update({Project.opened_on: values["date_met"] if status == "met" else None}).where(
                Project.id == project_id
            )
        before, after = audit.changed_fields({k: row.get(k) for k in values}, values)
        await audit.record(
            actor=actor,
            action="milestone.update",
            object_type="project",
            object_id=project_id,
            before={"key": key, **before},
            after={"key": key, **after},
        )
    return (await milestones_of([project["id"]]))[project["id"]]


async def sync_delivery_milestones(project_id: int, actor: audit.Actor) -> None:
    """When every lot feeding a delivery milestone is accepted, the milestone is met on the last acceptance."""
    lots = await Lot.select(Lot.category, Lot.status, Lot.accepted_on).where(
        (Lot.project == project_id) & (Lot.status != "cancelled")
    )
    by_milestone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lot in lots:
        key = DELIVERY_MILESTONES.get(lot["category"])
        if key:
            by_milestone[key].append(lot)
    for key, feeding in by_milestone.items():
        if not all(lot["status"] == "accepted" for lot in feeding):
            continue
        met_on = max(lot["accepted_on"] for lot in feeding)
        row = await Milestone.select().where((Milestone.project == project_id) & (Milestone.key == key)).first()
        if row is None or (row["status"] == "met" and row["date_met"] == met_on):
            continue
        await Milestone.update({Milestone.status: "met", Milestone.date_met: met_on}).where(Milestone.id == row["id"])
        await audit.record(
            actor=actor,
            action="milestone.auto_met",
            object_type="project",
            object_id=project_id,
            before={"key": key, "status": row["status"]},
            after={"key": key, "status": "met", "date_met": met_on},
        )


# --- Totals and the dashboard ----------------------------------------------------------------------


def lot_amounts(lot: dict[str, Any], planned_rate: Decimal | None) -> dict[str, dict[str, int | None]]:
    zero = {"UAH": 0, "EUR": 0}
    if lot["status"] == "cancelled":
        return {"planned": zero, "contracted": zero, "accepted": zero}
    planned = both(lot["estimate_minor"], lot["currency"], planned_rate)
    if lot["contract_value_minor"] is None:
        return {"planned": planned, "contracted": zero, "accepted": zero}
    contract_rate = stored_rate(lot["exchange_rate"]) or planned_rate
    contracted = both(lot["contract_value_minor"], lot["contract_currency"], contract_rate)
    accepted = contracted if lot["status"] == "accepted" else zero
    return {"planned": planned, "contracted": contracted, "accepted": accepted}


def _add(total: dict[str, dict[str, int | None]], amounts: dict[str, dict[str, int | None]]) -> None:
    for kind, by_currency in amounts.items():
        into = total[kind]
        for currency, value in by_currency.items():
            if value == 0:  # most lots have nothing contracted or accepted yet
                continue
            current = into[currency]
            into[currency] = None if current is None or value is None else current + value


def _empty_totals() -> dict[str, dict[str, int | None]]:
    return {kind: {"UAH": 0, "EUR": 0} for kind in ("planned", "contracted", "accepted")}


def project_totals(
    lots_by_project: dict[int, list[dict[str, Any]]], rate: Decimal | None
) -> dict[str, dict[str, int | None]]:
    total = _empty_totals()
    for lots in lots_by_project.values():
        for lot in lots:
            _add(total, lot_amounts(lot, rate))
    return total


def project_stage(lots: list[dict[str, Any]], milestones: list[dict[str, Any]]) -> str:
    if any(m["key"] == "asc_opened" and m["status"] == "met" for m in milestones):
        return "opened"
    live = [lot for lot in lots if lot["status"] != "cancelled"]
    if live and all(lot["status"] in ("delivered", "accepted") for lot in live):
        return "delivered"
    if live and all(LOT_FLOW.index(lot["status"]) >= LOT_FLOW.index("contracted") for lot in live):
        return "contracted"
    return "selected"


async def dashboard(
    *, round_id: int | None = None, programme_id: int | None = None, today: date | None = None
) -> dict[str, Any]:
    """Stages, overdue milestones and money per oblast, for a round or the whole programme."""
    today = today or kyiv_today()
    projects = await _projects(round_id=round_id, programme_id=programme_id)
    ids = [p["id"] for p in projects]
    lots = await lot_money_of(ids)
    milestones = await milestone_states_of(ids, today=today)
    rate = await latest_rate()
    stages = {stage: 0 for stage in STAGES}
    per_oblast: dict[str, dict[str, Any]] = {}
    overdue = []
    for project in projects:
        stage = project_stage(lots[project["id"]], milestones[project["id"]])
        project["stage"] = stage
        stages[stage] += 1
        oblast = per_oblast.setdefault(
            project["oblast_code"],
            {
                "oblast_code": project["oblast_code"],
                "oblast_name_uk": project["oblast_name_uk"],
                "oblast_name_en": project["oblast_name_en"],
                "projects": 0,
                **_empty_totals(),
            },
        )
        oblast["projects"] += 1
        for lot in lots[project["id"]]:
            _add(oblast, lot_amounts(lot, rate))
        for milestone in milestones[project["id"]]:
            if milestone["overdue"]:
                overdue.append(
                    {
                        "project_id": project["id"],
                        "hromada_name": project["hromada_name"],
                        "hromada_code": project["hromada_code"],
                        "key": milestone["key"],
                        "title_uk": milestone["title_uk"],
                        "title_en": milestone["title_en"],
                        "due_date": milestone["due_date"],
                        "days_late": (today - milestone["due_date"]).days,
                    }
                )
    overdue.sort(key=lambda m: (-m["days_late"], m["hromada_name"]))
    totals = _empty_totals()
    for oblast in per_oblast.values():
        _add(totals, {k: oblast[k] for k in ("planned", "contracted", "accepted")})
    # Stages are cumulative for the headline figures: an opened centre was also contracted and delivered.
    reached = {stage: sum(stages[s] for s in STAGES[i:]) for i, stage in enumerate(STAGES)}
    return {
        "today": today,
        "projects": projects,
        "stages": stages,
        "reached": reached,
        "overdue": overdue,
        "per_oblast": sorted(per_oblast.values(), key=lambda o: o["oblast_code"]),
        "totals": totals,
        "rate": str(rate) if rate else None,
    }


async def set_tolerance(*, round_id: int, percent: int, actor: audit.Actor) -> None:
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise InvalidInput(
            _("The tolerance must be a whole percentage from 0 to 100."), extra={"field": "tolerance_percent"}
        )
    if not await Round.exists().where(Round.id == round_id):
        raise NotFound(_("There is no such round."))
    async with write_transaction():
        await ProcurementConfig.delete().where(ProcurementConfig.round == round_id)
        await ProcurementConfig.insert(ProcurementConfig(round=round_id, tolerance_percent=percent))
        await audit.record(
            actor=actor,
            action="procurement.tolerance",
            object_type="round",
            object_id=round_id,
            after={"tolerance_percent": percent},
        )


async def attach_lot_document(
    *,
    lot_id: int,
    kind: str,
    filename: str,
    data: bytes,
    user: CurrentUser,
    actor: audit.Actor,
    storage: Any,
    max_bytes: int,
) -> dict[str, Any]:
    """An acceptance document or photo of a lot's delivery (staff, or the hromada's leader)."""
    from app.platform.documents import Uploader, save_document

    lot = await Lot.select(Lot.id, Lot.project, Lot.status).where(Lot.id == lot_id).first()
    if lot is None:
        raise NotFound(_("There is no such lot."))
    await get_project(project_id=lot["project"], user=user)
    if lot["status"] == "cancelled":
        raise Conflict(_("The lot is cancelled: it takes no documents."))
    return await save_document(
        storage=storage,
        data=data,
        filename=filename,
        uploader=Uploader(id=user.id, role=user.role, hromada_id=user.hromada_id),
        actor=actor,
        max_bytes=max_bytes,
        owner_type="lot",
        owner_id=lot_id,
        kind=(kind or "acceptance")[:64],
    )


def _project_documents_select(project_id: Any, lot_ids: Any) -> Any:
    from app.platform.tables import StoredDocument

    return (
        StoredDocument.select(
            StoredDocument.id,
            StoredDocument.owner_type,
            StoredDocument.owner_id,
            StoredDocument.kind,
            StoredDocument.original_filename,
            StoredDocument.size_bytes,
            StoredDocument.created_at,
        )
        .where(
            ((StoredDocument.owner_type == "project") & (StoredDocument.owner_id == project_id))
            | ((StoredDocument.owner_type == "lot") & ids_in(StoredDocument.owner_id, lot_ids))
        )
        .order_by(StoredDocument.id)
    )


_PROJECT_DOCUMENTS = PreparedSelect(_project_documents_select, params=2, key_lookup=True)


async def project_documents(project_id: int, lot_ids: list[int]) -> list[dict[str, Any]]:
    """The documents of the project and of its lots, ``lot_ids`` (its page has read them already)."""
    return await _PROJECT_DOCUMENTS.rows(project_id, ids_value(lot_ids))


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
    from app.platform.documents import IMAGE_TYPES, Uploader, save_document

    await get_project(project_id=project_id, user=user)
    day = _date(opened_on, "opened_on")
    if day is None:
        raise InvalidInput(_("Give the date the centre opened."), extra={"field": "opened_on"})
    if day > kyiv_today():  # checked before the photo is stored, so a refused report leaves no file behind
        raise InvalidInput(_("The opening date cannot be in the future."), extra={"field": "opened_on"})
    if photo is not None:
        await save_document(
            storage=storage,
            data=photo[1],
            filename=photo[0],
            uploader=Uploader(id=user.id, role=user.role, hromada_id=user.hromada_id),
            actor=actor,
            max_bytes=max_bytes,
            owner_type="project",
            owner_id=project_id,
            kind="opening_photo",
            allowed_types=IMAGE_TYPES,
        )
    await set_milestone(
        project_id=project_id,
        key="asc_opened",
        data={"status": "met", "date_met": day, "note": note},
        user=user,
        actor=actor,
    )
    return await project_detail(project_id=project_id, user=user)


async def export_workbook(*, round_id: int | None, path: str, today: date | None = None) -> None:
    """Projects, lots and milestones as three sheets of one XLSX file, written row by row."""
    from openpyxl import Workbook

    data = await dashboard(round_id=round_id, today=today)
    ids = [p["id"] for p in data["projects"]]
    lots = await lots_of(ids)
    milestones = await milestones_of(ids, today=data["today"])
    rate = await latest_rate()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Projects")
    sheet.append(
        [
            "project",
            "hromada_code",
            "hromada",
            "oblast",
            "round",
            "stage",
            "opened_on",
            "planned_uah",
            "contracted_uah",
            "accepted_uah",
            "planned_eur",
            "contracted_eur",
            "accepted_eur",
        ]
    )
    for project in data["projects"]:
        totals = project_totals({project["id"]: lots[project["id"]]}, rate)
        sheet.append(
            [
                project["id"],
                project["hromada_code"],
                project["hromada_name"],
                project["oblast_name_uk"],
                project["round_title_uk"],
                project["stage"],
                project["opened_on"],
                *[_major(totals[k]["UAH"]) for k in ("planned", "contracted", "accepted")],
                *[_major(totals[k]["EUR"]) for k in ("planned", "contracted", "accepted")],
            ]
        )
    sheet = workbook.create_sheet("Lots")
    sheet.append(
        [
            "lot",
            "project",
            "category",
            "method",
            "status",
            "estimate",
            "currency",
            "prozorro_id",
            "supplier",
            "edrpou",
            "contract_number",
            "contract_date",
            "contract_value",
            "contract_currency",
            "exchange_rate",
            "accepted_on",
        ]
    )
    for project_id in ids:
        for lot in lots[project_id]:
            sheet.append(
                [
                    lot["id"],
                    project_id,
                    lot["category"],
                    lot["method"],
                    lot["status"],
                    _major(lot["estimate_minor"]),
                    lot["currency"],
                    lot["prozorro_id"],
                    lot["supplier_name"],
                    lot["supplier_edrpou"],
                    lot["contract_number"],
                    lot["contract_date"],
                    _major(lot["contract_value_minor"]),
                    lot["contract_currency"],
                    lot["exchange_rate"],
                    lot["accepted_on"],
                ]
            )
    sheet = workbook.create_sheet("Milestones")
    sheet.append(["project", "key", "title", "due_date", "status", "date_met", "overdue", "value", "note"])
    for project_id in ids:
        for milestone in milestones[project_id]:
            sheet.append(
                [
                    project_id,
                    milestone["key"],
                    milestone["title_uk"],
                    milestone["due_date"],
                    milestone["status"],
                    milestone["date_met"],
                    "yes" if milestone["overdue"] else "",
                    milestone["value"],
                    milestone["note"],
                ]
            )
    workbook.save(path)


def _major(minor: int | None) -> float | None:
    return None if minor is None else round(minor / 100, 2)
