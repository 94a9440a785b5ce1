from piccolo.columns import JSON, Boolean, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.accounts.tables import User
from app.applications.tables import Application, Round

CONFLICT_TYPES = ("employment", "family", "financial", "oblast", "other")


class ScoringConfig(Table, tablename="scoring_config"):
    """How a round's review works; one row per round, created with the default rubric."""

    round = ForeignKey(references=Round, unique=True)
    overall_threshold = DoublePrecision(null=True, default=None)
    reviews_per_application = Integer(default=3)
    divergence_percent = DoublePrecision(default=30.0)
    hide_reviews_until = Varchar(length=8, default="own")  # "own": after one's own is submitted; "all"
    oblast_is_conflict = Boolean(default=False)
    tie_breakers = JSON(default='["population_desc", "submitted_at"]')
    show_scores_to_applicants = Boolean(default=False)
    package_amount_minor = Integer(default=0)


class Criterion(Table):
    round = ForeignKey(references=Round, index=True)
    position = Integer(default=0)
    key = Varchar(length=40)
    title_uk = Varchar(length=300)
    title_en = Varchar(length=300, default="")
    guidance_uk = Text(default="")
    guidance_en = Text(default="")
    max_points = DoublePrecision()
    weight = DoublePrecision(default=1.0)
    threshold = DoublePrecision(null=True, default=None)


class RoundExpert(Table, tablename="round_expert"):
    round = ForeignKey(references=Round, index=True)
    expert = ForeignKey(references=User, index=True)
    oblast_code = Varchar(length=19, default="")
    added_at = Timestamptz(default=TimestamptzNow())


class Conflict(Table, tablename="expert_conflict"):
    round = ForeignKey(references=Round, index=True)
    expert = ForeignKey(references=User, index=True)
    application = ForeignKey(references=Application, index=True)
    type = Varchar(length=16)
    note = Text(default="")
    declared_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Assignment(Table):
    round = ForeignKey(references=Round, index=True)
    application = ForeignKey(references=Application, index=True)
    expert = ForeignKey(references=User, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Review(Table):
    assignment = ForeignKey(references=Assignment, unique=True)
    application = ForeignKey(references=Application, index=True)
    expert = ForeignKey(references=User, index=True)
    status = Varchar(length=12, default="draft", index=True)
    version = Integer(default=1)
    total = DoublePrecision(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class ReviewScore(Table, tablename="review_score"):
    review = ForeignKey(references=Review, index=True)
    criterion_key = Varchar(length=40)
    points = DoublePrecision(null=True, default=None)
    comment = Text(default="")


class Moderation(Table):
    application = ForeignKey(references=Application, unique=True)
    score = DoublePrecision()
    justification = Text()
    moderated_by = ForeignKey(references=User, null=True, default=None)
    moderated_at = Timestamptz(default=TimestamptzNow())


class Selection(Table):
    round = ForeignKey(references=Round, index=True)
    status = Varchar(length=12, default="confirmed")
    params = JSON(default="{}")
    winners = JSON(default="[]")
    reserve = JSON(default="[]")
    confirmed_by = ForeignKey(references=User, null=True, default=None)
    confirmed_at = Timestamptz(default=TimestamptzNow())
