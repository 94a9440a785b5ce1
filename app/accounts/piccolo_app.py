import os

from piccolo.conf.apps import AppConfig

from app.accounts.tables import ApiToken, LoginAttempt, User

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(ROOT, "migrations", "accounts"),
    table_classes=[User, ApiToken, LoginAttempt],
    migration_dependencies=["app.registry.piccolo_app"],
    commands=[],
)
