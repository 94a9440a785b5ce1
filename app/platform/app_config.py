"""How a domain becomes a Piccolo app: its name, its migrations folder, the tables its tables.py defines.

Must not touch: any domain's tables or migrations themselves; each domain's piccolo_app.py names its own."""

from __future__ import annotations

import inspect
import os
from types import ModuleType

from piccolo.conf.apps import AppConfig
from piccolo.table import Table

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def app_config(name: str, tables: ModuleType, *, depends_on: tuple[str, ...] = ()) -> AppConfig:
    """The app ``name`` with migrations in migrations/<name> and every table defined in ``tables``, in the order
    they are defined there (tables it imports from another domain stay that domain's). ``depends_on`` names the
    piccolo_app modules whose migrations must run first."""
    defined = [
        value
        for value in vars(tables).values()
        if inspect.isclass(value) and issubclass(value, Table) and value.__module__ == tables.__name__
    ]
    return AppConfig(
        app_name=name,
        migrations_folder_path=os.path.join(ROOT, "migrations", name),
        table_classes=defined,
        migration_dependencies=list(depends_on),
        commands=[],
    )
