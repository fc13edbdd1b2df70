"""Configuration from the environment (API.md section 1)."""

import pytest

from booking import create_app
from booking.config import ConfigError, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("BOOKING_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_development_starts_with_a_random_key_and_warns(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("BOOKING_ENV", raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert len(app.config["SECRET_KEY"]) >= 32
    assert "SECRET_KEY is not set" in caplog.text


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("BOOKING_TIMEZONE", "Europe/Amsterdam")
    monkeypatch.setenv("BOOKING_BASE_URL", "https://booking.example/")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    monkeypatch.setenv("MAIL_PORT", "2525")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["BOOKING_TIMEZONE"] == "Europe/Amsterdam"
    assert app.config["BOOKING_BASE_URL"] == "https://booking.example"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert app.config["MAIL_SERVER"] == "smtp.example"
    assert app.config["MAIL_PORT"] == 2525


def test_the_mapping_given_to_create_app_wins_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app({"SECRET_KEY": "given", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["SECRET_KEY"] == "given"


@pytest.mark.parametrize(
    "url",
    ["postgresql://u@h:5432/db", "postgres://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"],
)
def test_postgresql_urls_all_use_psycopg_3(url):
    assert normalise_database_url(url) == "postgresql+psycopg://u@h:5432/db"


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/booking.db")
    assert app.instance_path in app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_a_count_that_is_not_a_whole_number_is_refused_by_name(value, tmp_path):
    with pytest.raises(ConfigError, match="BOOKING_PROXIES"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "BOOKING_PROXIES": value})
