import pytest

from app.platform.settings import SettingsError, load_settings


def test_secret_key_is_generated_once_and_kept_in_data_dir(tmp_path):
    first = load_settings({"DATA_DIR": str(tmp_path)})
    second = load_settings({"DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").read_text() == first.secret_key


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="SECRET_KEY is required"):
        load_settings({"APP_ENV": "production", "DATA_DIR": str(tmp_path), "ALLOWED_HOSTS": "asc.example.org"})
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("hosts", [None, "", "*", "asc.example.org,*"])
def test_production_refuses_to_start_without_its_own_allowed_hosts(tmp_path, hosts):
    env = {"APP_ENV": "production", "DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 40}
    if hosts is not None:
        env["ALLOWED_HOSTS"] = hosts
    with pytest.raises(SettingsError, match="ALLOWED_HOSTS is required"):
        load_settings(env)
    settings = load_settings({**env, "ALLOWED_HOSTS": "asc.example.org, www.asc.example.org"})
    assert settings.allowed_hosts == ("asc.example.org", "www.asc.example.org")


def test_development_answers_any_host_by_default(tmp_path):
    assert load_settings({"DATA_DIR": str(tmp_path)}).allowed_hosts == ("*",)


def test_defaults_are_sqlite_in_data_dir_and_local_storage(tmp_path):
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert not settings.is_postgres
    assert settings.sqlite_path == tmp_path / "asc.sqlite3"
    assert settings.storage == "local" and settings.documents_dir == tmp_path / "documents"
    assert settings.port == 8000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE": "ftp"}, "STORAGE must be"),
        ({"STORAGE": "s3"}, "S3_BUCKET is required"),
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with"),
        ({"APP_ENV": "staging"}, "APP_ENV must be one of"),
        ({"SECRET_KEY": "short"}, "at least 32"),
    ],
)
def test_bad_settings_are_refused_with_a_message_naming_the_variable(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({"DATA_DIR": str(tmp_path), **env})


def test_postgres_url_and_s3_are_read_from_the_environment(tmp_path):
    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
            "STORAGE": "s3",
            "S3_BUCKET": "docs",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "ALLOWED_HOSTS": "asc.example.org, www.asc.example.org",
        }
    )
    assert settings.is_postgres and settings.s3_bucket == "docs"
    assert settings.allowed_hosts == ("asc.example.org", "www.asc.example.org")
