import os

from piccolo.conf.apps import AppConfig

from app.registry.tables import Hromada, Oblast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

APP_CONFIG = AppConfig(
    app_name="registry",
    migrations_folder_path=os.path.join(ROOT, "migrations", "registry"),
    table_classes=[Oblast, Hromada],
    migration_dependencies=[],
    commands=[],
)
