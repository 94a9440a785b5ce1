"""Settings read once from the environment: the only source of configuration."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ENVIRONMENTS = ("development", "test", "production")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    storage: str = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    aws_access_key_id: str = ""
    aws_secret_access_key: str = ""
    aws_region: str = "us-east-1"
    redis_url: str = ""
    secret_key: str = ""
    port: int = 8000
    host: str = "127.0.0.1"
    allowed_hosts: tuple[str, ...] = ("*",)
    session_idle_minutes: int = 60
    max_upload_bytes: int = 20 * 1024 * 1024
    max_body_bytes: int = 25 * 1024 * 1024
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_max_failures_per_account_everywhere: int = 100
    login_window_minutes: int = 15
    db_pool_max: int = 10
    argon2_time_cost: int = 3
    clamd_address: str = ""
    argon2_memory_kib: int = 65536
    log_format: str = "text"
    token_lifetime_days: int = 90
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return self.data_dir / "asc.sqlite3"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def sessions_dir(self) -> Path:
        return self.data_dir / "sessions"


def _positive(env: dict[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _secret_key(env: dict[str, str], app_env: str, data_dir: Path) -> str:
    key = env.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters long")
        return key
    if app_env == "production":
        raise SettingsError("SECRET_KEY is required when APP_ENV=production (at least 32 random characters)")
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (the process environment by default)."""
    env = dict(os.environ if environ is None else environ)
    app_env = env.get("APP_ENV", "development").strip() or "development"
    if app_env not in ENVIRONMENTS:
        raise SettingsError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {app_env!r}")
    data_dir = Path(env.get("DATA_DIR", "var")).expanduser().resolve()
    database_url = env.get("DATABASE_URL", "").strip()
    if database_url and not database_url.startswith(("postgres://", "postgresql://", "sqlite:///")):
        raise SettingsError("DATABASE_URL must start with postgresql:// or sqlite:///")
    storage = env.get("STORAGE", "local").strip() or "local"
    if storage not in ("local", "s3"):
        raise SettingsError(f"STORAGE must be 'local' or 's3', got {storage!r}")
    if storage == "s3" and not env.get("S3_BUCKET"):
        raise SettingsError("S3_BUCKET is required when STORAGE=s3")
    hosts = tuple(h.strip() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip())
    if app_env == "production" and (not hosts or "*" in hosts):
        # Behind a proxy that passes any Host through, "*" lets a forged Host into absolute links and redirects.
        raise SettingsError(
            "ALLOWED_HOSTS is required when APP_ENV=production: the comma-separated host names the site answers to "
            "(e.g. ALLOWED_HOSTS=asc.example.org), never '*'"
        )
    hosts = hosts or ("*",)
    log_format = env.get("LOG_FORMAT", "").strip() or ("json" if app_env == "production" else "text")
    if log_format not in ("json", "text"):
        raise SettingsError(f"LOG_FORMAT must be 'json' or 'text', got {log_format!r}")
    return Settings(
        app_env=app_env,
        data_dir=data_dir,
        database_url=database_url,
        storage=storage,
        s3_bucket=env.get("S3_BUCKET", ""),
        s3_endpoint_url=env.get("S3_ENDPOINT_URL", ""),
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", ""),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", ""),
        aws_region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
        redis_url=env.get("REDIS_URL", "").strip(),
        secret_key=_secret_key(env, app_env, data_dir),
        port=_int(env, "PORT", 8000),
        host=env.get("HOST", "127.0.0.1"),
        allowed_hosts=hosts,
        session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 60),
        max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
        max_body_bytes=_int(env, "MAX_BODY_BYTES", 25 * 1024 * 1024),
        login_max_failures_per_account=_int(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        login_max_failures_per_address=_int(env, "LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        login_max_failures_per_account_everywhere=_int(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT_EVERYWHERE", 100),
        login_window_minutes=_int(env, "LOGIN_WINDOW_MINUTES", 15),
        db_pool_max=_int(env, "DB_POOL_MAX", 10),
        argon2_time_cost=_int(env, "ARGON2_TIME_COST", 3),
        clamd_address=env.get("CLAMD_ADDRESS", "").strip(),
        argon2_memory_kib=_int(env, "ARGON2_MEMORY_KIB", 65536),
        log_format=log_format,
        token_lifetime_days=_positive(env, "TOKEN_LIFETIME_DAYS", 90),
    )
