import os

from piccolo.conf.apps import AppConfig

from app.platform.tables import AuditEntry, StoredDocument

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=os.path.join(ROOT, "migrations", "core"),
    table_classes=[AuditEntry, StoredDocument],
    migration_dependencies=[],
    commands=[],
)
