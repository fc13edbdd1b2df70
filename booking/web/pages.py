"""The home page: my next bookings, however far ahead, each with a way to cancel it."""

from __future__ import annotations

from typing import Any

from flask import render_template

from booking.clock import booking_now, campus_zone
from booking.extensions import current_session
from booking.services import bookings as booking_service
from booking.web import web
from booking.web.access import me, signed_in
from booking.web.forms import CancelForm

UPCOMING = 50


def clock() -> booking_service.Clock:
    return booking_service.Clock(now=booking_now(), tz=campus_zone())


@web.get("/")
@signed_in
def home() -> Any:
    now = booking_now()
    upcoming: list[Any] = []
    cursor: str | None = None
    # Cancelled and rejected ones are skipped; read on until enough active ones are found.
    for _page in range(10):
        rows, cursor = booking_service.list_bookings(
            current_session(),
            me(),
            booking_service.BookingFilter(start=now, user_id=me().id),
            limit=100,
            cursor=cursor,
        )
        upcoming.extend(b for b in rows if b.status in booking_service.ACTIVE)
        if cursor is None or len(upcoming) >= UPCOMING:
            break
    return render_template(
        "web/home.html", bookings=upcoming[:UPCOMING], cancel_form=CancelForm(), now=now
    )
