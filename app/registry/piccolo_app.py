from app.platform.app_config import app_config
from app.registry import tables

APP_CONFIG = app_config("registry", tables)
