import os

from piccolo.conf.apps import AppConfig

from app.scoring.tables import (
    Assignment,
    Conflict,
    Criterion,
    Moderation,
    Review,
    ReviewScore,
    RoundExpert,
    ScoringConfig,
    Selection,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

APP_CONFIG = AppConfig(
    app_name="scoring",
    migrations_folder_path=os.path.join(ROOT, "migrations", "scoring"),
    table_classes=[
        ScoringConfig,
        Criterion,
        RoundExpert,
        Conflict,
        Assignment,
        Review,
        ReviewScore,
        Moderation,
        Selection,
    ],
    migration_dependencies=["app.applications.piccolo_app"],
    commands=[],
)
