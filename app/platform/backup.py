"""Backup and restore: the database (SQLite's online backup, or pg_dump/pg_restore) and the documents."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.platform.settings import Settings

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def _tables_of_sqlite(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


def backup(settings: Settings, target: Path) -> dict[str, Any]:
    """Write a consistent copy of the database and the documents into the empty folder ``target``."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; choose a new folder for the backup")
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"created_at": datetime.now(UTC).isoformat(), "storage": settings.storage}
    if settings.is_postgres:
        dump = target / "database.dump"
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", settings.database_url],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        manifest["database"] = {"engine": "postgresql", "file": dump.name}
    else:
        source = settings.sqlite_path
        if not source.exists():
            raise BackupError(f"there is no database at {source}")
        copy = target / "database.sqlite3"
        # The online backup API copies a consistent snapshot while the app keeps running.
        with sqlite3.connect(source) as live, sqlite3.connect(copy) as out:
            live.backup(out)
        manifest["database"] = {"engine": "sqlite", "file": copy.name, "rows": _tables_of_sqlite(copy)}
    if settings.storage == "local":
        documents = settings.documents_dir
        if documents.exists():
            shutil.copytree(documents, target / "documents")
        manifest["documents"] = {
            "copied": True,
            "count": sum(1 for p in (target / "documents").rglob("*") if p.is_file())
            if (target / "documents").exists()
            else 0,
        }
    else:
        manifest["documents"] = {
            "copied": False,
            "note": "documents stay in the S3 bucket; their keys are listed",
            "keys_file": "document_keys.txt",
        }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def write_document_keys(target: Path, keys: list[str]) -> None:
    (Path(target) / "document_keys.txt").write_text("\n".join(keys) + ("\n" if keys else ""))


def restore(settings: Settings, source: Path) -> dict[str, Any]:
    """Load a backup into the configured (empty or disposable) database and document folder."""
    source = Path(source)
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} has no {MANIFEST}: it is not a backup made by `asc backup`")
    manifest = json.loads(manifest_path.read_text())
    engine = manifest["database"]["engine"]
    if engine == "postgresql":
        if not settings.is_postgres:
            raise BackupError("this backup is of PostgreSQL; set DATABASE_URL to a PostgreSQL database")
        result = subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={settings.database_url}",
                str(source / manifest["database"]["file"]),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        if settings.is_postgres:
            raise BackupError("this backup is of SQLite; unset DATABASE_URL to restore it into DATA_DIR")
        target = settings.sqlite_path
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        with sqlite3.connect(source / manifest["database"]["file"]) as copy, sqlite3.connect(target) as out:
            copy.backup(out)
    if manifest.get("documents", {}).get("copied") and (source / "documents").exists():
        shutil.copytree(source / "documents", settings.documents_dir, dirs_exist_ok=True)
    return manifest
