"""The procurement tables as a Piccolo app, for its migrations: its name, its tables and what must migrate first."""

from app.platform.app_config import app_config
from app.procurement import tables

APP_CONFIG = app_config("procurement", tables, depends_on=("app.scoring.piccolo_app",))
