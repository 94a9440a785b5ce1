from app.platform.app_config import app_config
from app.scoring import tables

APP_CONFIG = app_config("scoring", tables, depends_on=("app.applications.piccolo_app",))
