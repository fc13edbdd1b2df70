"""Fixtures: one app per test session on a fresh database, emptied after every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import scratch_database
from booking import create_app
from booking.extensions import db

TZ = ZoneInfo("Europe/Brussels")
# The tests' fixed "now": 2026-12-01 09:00 campus time (a Tuesday).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
ON_PG = bool(os.environ.get("TEST_DATABASE_URL"))


def _postgres_database() -> Iterator[str]:
    with scratch_database(os.environ["TEST_DATABASE_URL"], prefix="booking_test") as url:
        yield url


def fresh_database(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[str]:
    """A new, empty database: a SQLite file, or one on the PostgreSQL server when asked."""
    if ON_PG:
        yield from _postgres_database()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp(name) / f'{name}.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own for this test session: SQLite, or PostgreSQL when asked."""
    yield from fresh_database(tmp_path_factory, "db")


def make_test_app(database_url: str, **extra: object) -> Flask:
    settings: dict[str, object] = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "RATELIMIT_ENABLED": False,
        "BOOKING_NOW": NOW.isoformat(),
        "BOOKING_BASE_URL": "https://booking.campus.example",
    }
    settings.update(extra)
    return create_app(settings)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    from flask_migrate import upgrade

    application = make_test_app(database_url)
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


def _empty_tables(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                quoted = ", ".join(f'"{name}"' for name in tables)
                conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def clean_db(app: Flask) -> Iterator[None]:
    """The tables are empty when the test starts and emptied again after it."""
    yield
    _empty_tables(app)


@pytest.fixture
def session(app: Flask, clean_db: None) -> Iterator[Session]:
    """The app's SQLAlchemy session inside an app context (services take it as an argument)."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def client(app: Flask, clean_db: None) -> FlaskClient:
    return app.test_client()


from tests.factories import *  # noqa: E402,F403  (factory fixtures: make_space, make_user, ...)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may be skipped: a skipped test there fails the run."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI: {skipped} test(s) skipped; in CI every test must run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
