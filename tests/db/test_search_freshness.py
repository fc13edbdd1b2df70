"""Search and availability read the space catalog this process knows and check it in the same
statement as the bookings: a change to the spaces between requests must still be seen."""

from __future__ import annotations

from datetime import timedelta

from booking.database import read_only_transactions
from booking.services import spaces as space_service
from tests.conftest import NOW, TZ

START = NOW.replace(hour=14) + timedelta(days=15)  # Wednesday 16/12/2026 14:00
END = START + timedelta(hours=1)


def _search(session, user, **filters):
    with read_only_transactions():
        found = space_service.search(
            session,
            user,
            space_service.SpaceFilter(**filters),
            now=NOW,
            tz=TZ,
            free_from=START,
            free_to=END,
        )
        session.rollback()
    return [view.code for view in found]


def _week(session, user, space_id):
    with read_only_transactions():
        week = space_service.space_availability(
            session, user, space_id, START.replace(hour=0), START.replace(hour=0) + timedelta(7), TZ
        )
        session.rollback()
    return week


def test_a_search_sees_a_space_changed_since_the_last_search(session, make_space, make_user):
    member = make_user()
    first = make_space(code="A.1")
    make_space(code="A.2")
    session.commit()
    assert _search(session, member) == ["A.1", "A.2"]

    first.bookable = False
    session.commit()
    assert _search(session, member) == ["A.2"]

    first.bookable = True
    first.capacity = 2
    session.commit()
    assert _search(session, member, min_capacity=4) == ["A.2"]
    assert _search(session, member) == ["A.1", "A.2"]


def test_a_search_sees_new_buffers_and_the_bookings_they_reach(
    session, make_space, make_user, make_booking
):
    member, other = make_user(), make_user()
    space = make_space(code="C.1")
    make_booking(space, other, END, END + timedelta(hours=1))
    session.commit()
    assert _search(session, member) == ["C.1"]

    space.buffer_before_min = 30
    session.commit()
    assert _search(session, member) == ["C.1"]
    # Our 30 minutes of gowning after 15:00 would meet the other booking's own buffer.
    space.buffer_after_min = 30
    session.commit()
    assert _search(session, member) == []


def test_availability_of_a_space_added_after_the_catalog_was_read(
    session, make_space, make_user, make_booking
):
    member = make_user()
    known = make_space(code="B.1")
    session.commit()
    assert _week(session, member, known.id).busy == []

    added = make_space(code="B.2", opening_hours={"wed": [["08:00", "18:00"]]})
    make_booking(added, member, START, END)
    session.commit()
    week = _week(session, member, added.id)
    assert [(b.start, b.reason) for b in week.busy if b.reason == "booking"] == [(START, "booking")]

    added.opening_hours = None
    session.commit()
    week = _week(session, member, added.id)
    assert [b.reason for b in week.busy] == ["booking"]
