"""The database itself refuses two overlapping active bookings in one space."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.conftest import NOW


def test_database_refuses_overlapping_active_bookings(session, make_space, make_user, make_booking):
    space = make_space()
    user = make_user()
    start = NOW + timedelta(days=1)
    make_booking(space, user, start, start + timedelta(hours=1))
    with pytest.raises((IntegrityError, OperationalError)):
        make_booking(space, user, start + timedelta(minutes=30), start + timedelta(hours=2))


def test_database_allows_back_to_back_and_cancelled_overlap(
    session, make_space, make_user, make_booking
):
    space = make_space()
    user = make_user()
    start = NOW + timedelta(days=1)
    make_booking(space, user, start, start + timedelta(hours=1))
    make_booking(space, user, start + timedelta(hours=1), start + timedelta(hours=2))
    make_booking(space, user, start, start + timedelta(hours=2), status="cancelled")
    other = make_space()
    make_booking(other, user, start, start + timedelta(hours=1))


def test_database_refuses_moving_a_booking_onto_another(
    session, make_space, make_user, make_booking
):
    space = make_space()
    user = make_user()
    start = NOW + timedelta(days=1)
    make_booking(space, user, start, start + timedelta(hours=1))
    later = make_booking(space, user, start + timedelta(hours=3), start + timedelta(hours=4))
    later.start = start + timedelta(minutes=45)
    with pytest.raises((IntegrityError, OperationalError)):
        session.flush()
