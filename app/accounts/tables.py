"""The accounts' tables: users, their API tokens (hashes only) and the sign-in attempts the rate limits count."""

from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.registry.tables import Hromada

ROLES = ("applicant", "expert", "staff", "admin")


class User(Table, tablename="app_user"):
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    role = Varchar(length=16, index=True)
    hromada = ForeignKey(references=Hromada, null=True, default=None)
    password_hash = Text()
    is_active = Boolean(default=True)
    locale = Varchar(length=5, default="uk")
    created_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table, tablename="api_token"):
    user = ForeignKey(references=User, index=True)
    name = Varchar(length=100, default="")
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)


class LoginAttempt(Table, tablename="login_attempt"):
    account = Varchar(length=254, index=True)
    address = Varchar(length=64, index=True)
    attempted_at = Timestamptz(default=TimestamptzNow(), index=True)
    succeeded = Boolean(default=False)
