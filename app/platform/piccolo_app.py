from app.platform import tables
from app.platform.app_config import app_config

APP_CONFIG = app_config("core", tables)
