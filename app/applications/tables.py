from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.accounts.tables import User
from app.registry.tables import Hromada

ROUND_STATUSES = ("draft", "open", "closed", "under_review", "decided", "archived")
APPLICATION_STATUSES = (
    "draft",
    "submitted",
    "eligible",
    "ineligible",
    "under_review",
    "scored",
    "selected",
    "reserve",
    "rejected",
    "withdrawn",
)


class Programme(Table):
    code = Varchar(length=40, unique=True)
    name_uk = Varchar(length=200)
    name_en = Varchar(length=200)


class Round(Table, tablename="funding_round"):
    programme = ForeignKey(references=Programme, index=True)
    title_uk = Varchar(length=300)
    title_en = Varchar(length=300, default="")
    description_uk = Text(default="")
    description_en = Text(default="")
    opens_at = Timestamptz(null=True, default=None)
    deadline = Timestamptz(null=True, default=None)
    quota = Integer(default=0)
    budget_minor = BigInt(default=0)
    currency = Varchar(length=3, default="EUR")
    status = Varchar(length=16, default="draft", index=True)
    rules = JSON(null=True, default=None)
    document_kinds = JSON(default="[]")
    questions = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Application(Table):
    round = ForeignKey(references=Round, index=True)
    hromada = ForeignKey(references=Hromada, index=True)
    status = Varchar(length=16, default="draft", index=True)
    answers = JSON(default="{}")
    revision = Integer(default=1)
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None, index=True)
    verdict = JSON(null=True, default=None)
    rules_snapshot = JSON(null=True, default=None)
    eligible = Boolean(null=True, default=None)
    screening_override = Boolean(null=True, default=None)
    screening_reason = Text(default="")
    screened_by = ForeignKey(references=User, null=True, default=None)
    screened_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)


class ApplicationRevision(Table, tablename="application_revision"):
    """Every save of a draft's answers, so no text typed is ever lost."""

    application = ForeignKey(references=Application, index=True)
    revision = Integer()
    answers = JSON(default="{}")
    saved_by = ForeignKey(references=User, null=True, default=None)
    saved_at = Timestamptz(default=TimestamptzNow())
