from app.platform.app_config import app_config
from app.procurement import tables

APP_CONFIG = app_config("procurement", tables, depends_on=("app.scoring.piccolo_app",))
