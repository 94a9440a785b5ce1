"""The platform's own tables (the audit log, stored documents) as the Piccolo app "core", for its migrations."""

from app.platform import tables
from app.platform.app_config import app_config

APP_CONFIG = app_config("core", tables)
