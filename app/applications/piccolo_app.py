"""The applications tables as a Piccolo app, for its migrations: its name, its tables and what must migrate first."""

from app.applications import tables
from app.platform.app_config import app_config

APP_CONFIG = app_config("applications", tables, depends_on=("app.registry.piccolo_app", "app.accounts.piccolo_app"))
