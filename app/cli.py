"""The `asc` command line: migrate, import the registry, create users, seed demo data, serve."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from app.platform import audit
from app.platform.errors import DomainError

DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = [
    ("admin@demo.asc", "Олена Адміністратор", "admin", None),
    ("staff@demo.asc", "Петро Програмний", "staff", None),
    ("expert1@demo.asc", "Ірина Експертна", "expert", None),
    ("expert2@demo.asc", "Андрій Експертний", "expert", None),
    ("expert3@demo.asc", "Марія Експертна", "expert", None),
    ("vinnytsia@demo.asc", "Голова Вінницької громади", "applicant", "UA05020030000031457"),
    ("agronomichna@demo.asc", "Голова Агрономічної громади", "applicant", "UA05020010000053508"),
]


def _fail(message: str) -> int:
    """Say what went wrong on stderr; the command's exit status is 2."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def _connect():
    from app.platform.db import engine_for, use_engine
    from app.platform.settings import load_settings

    settings = load_settings()
    use_engine(engine_for(settings))
    return settings


async def _prepared(coro_factory):
    from app.platform.db import close_engine, engine, prepare_engine

    await prepare_engine(engine(), pool_max=2)
    try:
        return await coro_factory()
    finally:
        await close_engine(engine())


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.platform.db import migrate

    _connect()
    asyncio.run(_prepared(migrate))
    print("Migrations applied.")
    return 0


def cmd_import_hromadas(args: argparse.Namespace) -> int:
    from app.registry.services.imports import RegistryFileError, import_registry_file

    _connect()
    try:
        report = asyncio.run(_prepared(lambda: import_registry_file(Path(args.file), actor=audit.SYSTEM)))
    except FileNotFoundError:
        return _fail(f"no such file: {args.file}")
    except RegistryFileError as error:
        return _fail(f"{args.file}: {error}. Nothing was imported.")
    print(f"Imported {args.file}: {report.summary()}.")
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from app.accounts.services.users import create_user

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    _connect()
    try:
        user = asyncio.run(
            _prepared(
                lambda: create_user(
                    email=args.email,
                    name=args.name,
                    role=args.role,
                    password=password,
                    hromada_code=args.hromada,
                    actor=audit.SYSTEM,
                )
            )
        )
    except DomainError as error:
        return _fail(error.message)
    print(f"Created {user['role']} {user['email']} (id {user['id']}).")
    return 0


async def seed_demo() -> list[tuple[str, str, str]]:
    from app.accounts.services.users import create_user
    from app.accounts.tables import User
    from app.registry.tables import Hromada

    created = []
    for email, name, role, hromada in DEMO_USERS:
        if await User.exists().where(User.email == email):
            continue
        if hromada and not await Hromada.exists().where(Hromada.code == hromada):
            continue
        await create_user(
            email=email, name=name, role=role, password=DEMO_PASSWORD, hromada_code=hromada, actor=audit.SYSTEM
        )
        created.append((email, role, hromada or ""))
    await seed_demo_round()
    return created


DEMO_RULES = {
    "all": [
        {"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": 100000}]},
        {"rule": "documents_required", "value": ["council_decision", "premises_plan"]},
    ]
}


async def seed_demo_round() -> None:
    """An open round modelled on U-LEAD's round 4, so a newcomer has something to apply to."""
    from datetime import UTC, datetime, timedelta

    from app.applications.services import rounds as services
    from app.applications.tables import Round

    programme_id = await services.ensure_programme(
        code="ulead", name_uk="U-LEAD з Європою", name_en="U-LEAD with Europe"
    )
    if await Round.exists().where(Round.programme == programme_id):
        return
    deadline = (datetime.now(UTC) + timedelta(days=60)).replace(hour=20, minute=59, second=0, microsecond=0)
    created = await services.create_round(
        data={
            "programme_code": "ulead",
            "title_uk": "Створення та модернізація ЦНАП: раунд 4 (демо)",
            "title_en": "Establishing and modernising ASCs: round 4 (demo)",
            "description_uk": "Громади до 100 000 мешканців і об'єднані громади будь-якого розміру, усі області.",
            "description_en": "Hromadas of up to 100,000 residents and amalgamated hromadas of any size, all oblasts.",
            "deadline": deadline,
            "quota": 150,
            "budget_minor": 15_000_000_00,
            "currency": "EUR",
            "rules": DEMO_RULES,
        },
        actor=audit.SYSTEM,
    )
    await services.transition_round(round_id=created["id"], to="open", actor=audit.SYSTEM)


def cmd_demo_seed(args: argparse.Namespace) -> int:
    settings = _connect()
    if settings.is_production:
        return _fail("demo data is not loaded when APP_ENV=production")
    created = asyncio.run(_prepared(seed_demo))
    print(f"Demo data: {len(created)} users added." if created else "Demo data already present.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from app.platform.backup import BackupError, backup, write_document_keys
    from app.platform.settings import load_settings

    settings = load_settings()
    try:
        manifest = backup(settings, Path(args.path))
        if settings.storage != "local":
            from app.platform.tables import StoredDocument

            _connect()
            keys = asyncio.run(_prepared(lambda: StoredDocument.select(StoredDocument.key)))
            write_document_keys(Path(args.path), [row["key"] for row in keys])
    except BackupError as error:
        return _fail(str(error))
    print(f"Backup written to {args.path} ({manifest['database']['engine']}).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.platform.backup import BackupError, restore
    from app.platform.settings import load_settings

    try:
        manifest = restore(load_settings(), Path(args.path))
    except BackupError as error:
        return _fail(str(error))
    print(f"Restored the backup of {manifest['created_at']} from {args.path}.")
    return 0


def print_banner(host: str, port: int) -> None:
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    print(f"\n  ASC Rounds is running at  http://{shown}:{port}/")
    print(f"  API documentation:        http://{shown}:{port}/schema")
    print(f"  Demo logins (password: {DEMO_PASSWORD}):")
    for email, _name, role, hromada in DEMO_USERS:
        print(f"    {role:<10} {email}" + (f"  (hromada {hromada})" if hromada else ""))
    print("  Press Ctrl+C to stop.\n", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.platform.logs import logging_config
    from app.platform.settings import load_settings

    settings = load_settings()
    port = args.port or settings.port
    host = args.host or settings.host
    if args.banner:
        print_banner(host, port)
    forwarded = os.environ.get("FORWARDED_ALLOW_IPS", "")
    uvicorn.run(
        "app.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        proxy_headers=bool(forwarded),
        forwarded_allow_ips=forwarded or None,
        log_level="info",
        log_config=logging_config(json_lines=settings.log_format == "json"),
        server_header=False,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asc", description="ASC Rounds command line")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    importer = commands.add_parser("import-hromadas", help="import or update the hromada registry from a CSV file")
    importer.add_argument("file")
    importer.set_defaults(func=cmd_import_hromadas)

    users = commands.add_parser("users", help="manage users")
    user_commands = users.add_subparsers(dest="user_command", required=True)
    create = user_commands.add_parser("create", help="create a user; the password is read from standard input")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=["applicant", "expert", "staff", "admin"])
    create.add_argument("--hromada", help="KATOTTG code of the hromada (applicants)")
    create.set_defaults(func=cmd_users_create)

    commands.add_parser("demo-seed", help="add demo users (not in production)").set_defaults(func=cmd_demo_seed)

    backup_parser = commands.add_parser("backup", help="back up the database and the documents into a new folder")
    backup_parser.add_argument("path")
    backup_parser.set_defaults(func=cmd_backup)
    restore_parser = commands.add_parser("restore", help="restore a backup made by `asc backup`")
    restore_parser.add_argument("path")
    restore_parser.set_defaults(func=cmd_restore)

    serve = commands.add_parser("serve", help="serve the web application")
    serve.add_argument("--host", default="")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--banner", action="store_true", help="print the URL and the demo logins first")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
