from piccolo.columns import BigInt, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.accounts.tables import User
from app.applications.tables import Application, Round
from app.registry.tables import Hromada

CATEGORIES = ("furniture", "it_equipment", "queue_system", "mobile_asc", "software", "training")
LOT_STATES = ("planning", "tender", "awarded", "contracted", "delivered", "accepted", "cancelled")
METHODS = ("programme", "prozorro")
MILESTONE_STATUSES = ("scheduled", "met", "notMet", "partiallyMet")
CURRENCIES = ("UAH", "EUR")


class ProcurementConfig(Table, tablename="procurement_config"):
    round = ForeignKey(references=Round, unique=True)
    tolerance_percent = Integer(default=10)


class CatalogueItem(Table, tablename="catalogue_item"):
    name_uk = Varchar(length=200)
    name_en = Varchar(length=200, default="")
    category = Varchar(length=16, index=True)
    unit = Varchar(length=20, default="pcs")
    unit_price_minor = BigInt()
    currency = Varchar(length=3, default="UAH")
    active = Boolean(default=True)


class Project(Table):
    application = ForeignKey(references=Application, unique=True)
    round = ForeignKey(references=Round, index=True)
    hromada = ForeignKey(references=Hromada, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    opened_on = Date(null=True, default=None)


class PackageItem(Table, tablename="package_item"):
    project = ForeignKey(references=Project, index=True)
    item = ForeignKey(references=CatalogueItem)
    quantity = Integer()


class Supplier(Table):
    name = Varchar(length=300)
    edrpou = Varchar(length=8, unique=True)


class Lot(Table):
    project = ForeignKey(references=Project, index=True)
    title = Varchar(length=300, default="")
    category = Varchar(length=16, index=True)
    method = Varchar(length=12, default="programme")
    status = Varchar(length=12, default="planning", index=True)
    estimate_minor = BigInt(default=0)
    currency = Varchar(length=3, default="UAH")
    prozorro_id = Varchar(length=40, default="")
    supplier = ForeignKey(references=Supplier, null=True, default=None)
    contract_number = Varchar(length=60, default="")
    contract_date = Date(null=True, default=None)
    contract_value_minor = BigInt(null=True, default=None)
    contract_currency = Varchar(length=3, default="")
    exchange_rate = Varchar(length=20, default="")  # UAH per 1 EUR on the contract date, as a decimal string
    over_estimate_reason = Text(default="")
    accepted_on = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class LotItem(Table, tablename="lot_item"):
    lot = ForeignKey(references=Lot, index=True)
    item = ForeignKey(references=CatalogueItem, null=True, default=None)
    description = Varchar(length=300, default="")
    quantity = Integer(default=1)
    estimate_minor = BigInt(default=0)


class Delivery(Table):
    lot = ForeignKey(references=Lot, index=True)
    delivered_on = Date()
    quantity = Integer(default=0)
    note = Text(default="")
    accepted = Boolean(default=False)
    recorded_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Milestone(Table):
    project = ForeignKey(references=Project, index=True)
    key = Varchar(length=40)
    position = Integer(default=0)
    title_uk = Varchar(length=200)
    title_en = Varchar(length=200, default="")
    due_date = Date(null=True, default=None)
    status = Varchar(length=14, default="scheduled", index=True)
    date_met = Date(null=True, default=None)
    note = Text(default="")
    value = Integer(null=True, default=None)


class MilestoneTemplate(Table, tablename="milestone_template"):
    key = Varchar(length=40, unique=True)
    position = Integer(default=0)
    title_uk = Varchar(length=200)
    title_en = Varchar(length=200, default="")
    due_after_days = Integer(default=90)


class ExchangeRate(Table, tablename="exchange_rate"):
    on_date = Date(unique=True)
    uah_per_eur = Varchar(length=20)


__all__ = [
    "CATEGORIES",
    "LOT_STATES",
    "METHODS",
    "MILESTONE_STATUSES",
    "CURRENCIES",
    "ProcurementConfig",
    "CatalogueItem",
    "Project",
    "PackageItem",
    "Supplier",
    "Lot",
    "LotItem",
    "Delivery",
    "Milestone",
    "MilestoneTemplate",
    "ExchangeRate",
]
