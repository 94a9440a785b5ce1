"""The accounts tables as a Piccolo app, for its migrations: its name, its tables and what must migrate first."""

from app.accounts import tables
from app.platform.app_config import app_config

APP_CONFIG = app_config("accounts", tables, depends_on=("app.registry.piccolo_app",))
