"""The foundation: health check, migrations agree with the models, UTC-only times."""

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from booking.extensions import db
from booking.models import Building


def test_healthz_reports_the_database(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["status"] != "ok"


def test_migrations_create_exactly_what_the_models_describe(app, clean_db):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_upgrade_on_a_current_database_changes_nothing(app, clean_db):
    with app.app_context():
        before = sorted(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        upgrade()
        with db.engine.connect() as conn:
            again = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert again == head
        assert sorted(inspect(db.engine).get_table_names()) == before


def test_naive_datetimes_are_refused(session):
    from booking.models import Closure

    session.add(Closure(start=datetime(2027, 1, 1, 0, 0), end=datetime(2027, 1, 2), reason="x"))
    with pytest.raises(Exception, match="naive"):
        session.flush()


def test_times_come_back_aware_in_utc(session, make_space):
    from datetime import UTC, timedelta

    from booking.models import Closure
    from tests.conftest import NOW

    space = make_space()
    closure = Closure(space_id=space.id, start=NOW, end=NOW + timedelta(hours=2), reason="x")
    session.add(closure)
    session.commit()
    session.expire_all()
    loaded = session.get(Closure, closure.id)
    assert loaded.start.tzinfo is not None
    assert loaded.start.utcoffset().total_seconds() == 0
    assert loaded.start == NOW.astimezone(UTC)
    assert session.query(Building).count() == 1
