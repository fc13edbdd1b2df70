"""Small helpers for the HTTP tests: campus-local times, counting rows, reading errors."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.models import Booking, Closure, Series, User
from booking.services.auth import issue_token
from tests.conftest import TZ
from tests.http.conftest import Api

# NOW is Tuesday 2026-12-01 09:00; these are the days the tests book on.
TOMORROW = "2026-12-02"  # a Wednesday
DAY_AFTER = "2026-12-03"  # a Thursday


def local(day: str, hhmm: str) -> datetime:
    """An aware campus-local time: local("2026-12-02", "10:00")."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), tzinfo=TZ)


def at(day: str, hhmm: str) -> str:
    """The same as the API writes it: "2026-12-02T10:00:00+01:00"."""
    return local(day, hhmm).isoformat()


def body(space: Any, day: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    """A POST /bookings body for space (a Space or its id) on day from start to end (HH:MM)."""
    data = {
        "space_id": space if isinstance(space, int) else space.id,
        "start": at(day, start),
        "end": at(day, end),
        "title": extra.pop("title", "Meeting"),
    }
    data.update(extra)
    return data


def count(session: Session, model: type = Booking) -> int:
    """Rows of model as the database holds them now (ends the test session's transaction, so
    that the next request is not kept waiting for SQLite's write lock)."""
    number = session.scalar(select(func.count()).select_from(model))
    session.commit()
    return int(number or 0)


def written(session: Session) -> tuple[int, int]:
    return count(session, Booking), count(session, Series)


def error(response: Any) -> dict[str, Any]:
    """The error object of an error answer, after checking its one shape."""
    data = response.get_json()
    assert set(data) == {"error"}, data
    assert set(data["error"]) == {"code", "message", "details"}, data
    assert isinstance(data["error"]["message"], str) and data["error"]["message"]
    return data["error"]


def violation_codes(response: Any) -> list[str]:
    return [v["code"] for v in error(response)["details"]["violations"]]


def close(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    space: Any = None,
    building: Any = None,
    holiday: bool = False,
    reason: str = "Maintenance",
) -> Closure:
    closure = Closure(
        space_id=space.id if space is not None else None,
        building_id=building.id if building is not None else None,
        start=start,
        end=end,
        reason=reason,
        holiday=holiday,
    )
    session.add(closure)
    session.flush()
    return closure


def whole_day(day: str) -> tuple[datetime, datetime]:
    start = local(day, "00:00")
    return start, datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=TZ)


@pytest.fixture(name="api_as")
def fast_api_as(client: FlaskClient, session: Session) -> Any:
    """api_as(user) -> a client with a fresh token of that user.

    The same as tests/http/conftest.py's, but the token is issued directly: signing in checks
    a deliberately slow password hash, and these tests sign in hundreds of times.
    """

    def sign_in(user: User) -> Api:
        token, _ = issue_token(session, user)
        session.commit()
        return Api(client, token)

    return sign_in
