"""One milestone per key per project; the default milestone template every project starts from."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-26T09:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "milestone uniqueness and the default milestone template"

TEMPLATE = [
    ("terms_of_reference", 1, "Технічне завдання погоджено", "Terms of reference agreed", 30),
    ("premises_repaired", 2, "Приміщення відремонтовано", "Premises repaired", 120),
    ("furniture_delivered", 3, "Меблі поставлено", "Furniture delivered", 150),
    ("equipment_installed", 4, "Обладнання встановлено", "Equipment installed", 170),
    ("software_connected", 5, "Програмне забезпечення підключено", "Software connected", 180),
    ("staff_trained", 6, "Персонал навчено", "Staff trained", 200),
    ("asc_opened", 7, "ЦНАП відкрито", "ASC opened", 240),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procurement", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS milestone_project_key_unique ON milestone (project, key)"
        )
        for key, position, title_uk, title_en, days in TEMPLATE:
            await engine.run_querystring(QueryString(
                "INSERT INTO milestone_template (key, position, title_uk, title_en, due_after_days) "
                "VALUES ({}, {}, {}, {}, {})", key, position, title_uk, title_en, days))

    manager.add_raw(run)
    return manager
