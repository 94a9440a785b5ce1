import os

from piccolo.conf.apps import AppConfig

from app.procurement.tables import (
    CatalogueItem,
    Delivery,
    ExchangeRate,
    Lot,
    LotItem,
    Milestone,
    MilestoneTemplate,
    PackageItem,
    ProcurementConfig,
    Project,
    Supplier,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

APP_CONFIG = AppConfig(
    app_name="procurement",
    migrations_folder_path=os.path.join(ROOT, "migrations", "procurement"),
    table_classes=[
        ProcurementConfig,
        CatalogueItem,
        Project,
        PackageItem,
        Supplier,
        Lot,
        LotItem,
        Delivery,
        Milestone,
        MilestoneTemplate,
        ExchangeRate,
    ],
    migration_dependencies=["app.scoring.piccolo_app"],
    commands=[],
)
