"""Amounts at the edge of their columns: the service refuses what the database could not
store (PostgreSQL would raise a numeric overflow, a 500), and stores the largest it can."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking.errors import BadRequest
from booking.services import campus as campus_service


@pytest.mark.parametrize(
    ("field", "too_big", "largest"),
    [
        ("hourly_rate_eur", "100000000", "99999999.99"),
        ("area_m2", "100000000.00", "99999999.99"),
        ("max_hours_per_week_per_tenant", "1000000", "999999.99"),
    ],
)
def test_an_amount_beyond_its_column_is_refused_and_the_largest_is_kept(
    session, make_space, make_user, field, too_big, largest
):
    manager = make_user(role="manager")
    space = make_space()
    session.commit()

    with pytest.raises(BadRequest) as refused:
        campus_service.change_space(session, manager, space.id, {field: too_big})
    session.rollback()
    campus_service.change_space(session, manager, space.id, {field: largest})
    session.commit()

    assert refused.value.details["fields"] == {field: "range"}
    session.refresh(space)
    assert getattr(space, field) == Decimal(largest)
