import os

from piccolo.conf.apps import AppConfig

from app.applications.tables import Application, ApplicationRevision, Programme, Round

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

APP_CONFIG = AppConfig(
    app_name="applications",
    migrations_folder_path=os.path.join(ROOT, "migrations", "applications"),
    table_classes=[Programme, Round, Application, ApplicationRevision],
    migration_dependencies=["app.registry.piccolo_app", "app.accounts.piccolo_app"],
    commands=[],
)
