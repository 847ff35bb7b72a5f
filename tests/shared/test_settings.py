from pathlib import Path

import pytest

from shared.settings import DEV_SECRET_KEY, Settings, SettingsError

PRODUCTION = {
    "RAPPORT_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "BASE_URL": "https://rapport.example.com",
    "DATABASE_URL": "postgresql://rapport@db/rapport",
    "CONTRACT_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----",
    "CONTRACT_SIGNING_CERT": "-----BEGIN CERTIFICATE-----",
}


def test_it_has_working_dev_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert settings.database_url is None  # embedded PostgreSQL
    assert settings.storage_url == "file://./var/storage"
    assert settings.secret_key == DEV_SECRET_KEY


def test_it_accepts_a_complete_production_config() -> None:
    settings = Settings.from_env(PRODUCTION)
    assert settings.is_production and settings.log_json and settings.secure_cookies


@pytest.mark.parametrize(
    ("missing", "override", "named"),
    [
        ("SECRET_KEY", {}, "SECRET_KEY"),
        (None, {"SECRET_KEY": "short"}, "SECRET_KEY"),
        (None, {"BASE_URL": "http://rapport.example.com"}, "BASE_URL"),
        ("DATABASE_URL", {}, "DATABASE_URL"),
    ],
)
def test_it_refuses_dev_defaults_in_production(missing: str | None, override: dict[str, str], named: str) -> None:
    environ = {**PRODUCTION, **override}
    if missing:
        environ.pop(missing)
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environ)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"LOG_JSON": "maybe"}, "LOG_JSON"),
        ({"RAPPORT_ENV": "staging"}, "RAPPORT_ENV"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL"),
        ({"STORAGE_URL": "ftp://x"}, "STORAGE_URL"),
        ({"BASE_URL": "localhost:8000"}, "BASE_URL"),
    ],
)
def test_it_names_the_variable_that_is_wrong(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environ)


def test_it_reads_secrets_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("k" * 48 + "\n")
    settings = Settings.from_env({"SECRET_KEY_FILE": str(secret)})
    assert settings.secret_key == "k" * 48


def test_it_explains_an_unreadable_secret_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY_FILE"):
        Settings.from_env({"SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_it_is_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_it_derives_the_base_url_from_the_port_when_unset() -> None:
    assert Settings.from_env({"PORT": "8765"}).base_url == "http://127.0.0.1:8765"
    assert Settings.from_env({"PORT": "8765", "BASE_URL": "https://r.example/"}).base_url == "https://r.example"


def test_production_refuses_to_seal_contracts_with_a_generated_key() -> None:
    environ = {k: v for k, v in PRODUCTION.items() if not k.startswith("CONTRACT_")}
    with pytest.raises(SettingsError, match="CONTRACT_SIGNING_KEY"):
        Settings.from_env(environ)
