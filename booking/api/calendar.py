"""One booking (or its whole series) as an .ics download: GET /api/v1/bookings/{id}.ics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from booking.api import api, current_user
from booking.api.openapi import Content, operation
from booking.extensions import current_session
from booking.ical.feeds import calendar_response, settings
from booking.services import bookings as booking_service
from booking.services import feeds as feed_service


@api.get("/bookings/<int:booking_id>.ics")
@operation(
    "A booking, or its whole series, as an iCalendar file to download",
    answers={
        200: Content(
            "The calendar (text/calendar; charset=utf-8), with ETag and Last-Modified",
            media={"text/calendar": "RFC 5545 VCALENDAR"},
            headers={"ETag": "the version", "Last-Modified": "the last change"},
        ),
        304: Content("Unchanged since If-None-Match / If-Modified-Since"),
    },
)
def booking_ics(booking_id: int) -> Any:
    # Who may see it in full (owner, their tenant admin, the manager); 404 for anyone else.
    user = current_user()
    booking = booking_service.get_booking(current_session(), user, booking_id)
    config, stamp = settings(), datetime.now(UTC)
    version = feed_service.booking_version(current_session(), booking, stamp=stamp, settings=config)
    filename = (
        f"series-{booking.series_id}.ics"
        if booking.series_id is not None
        else f"booking-{booking.id}.ics"
    )

    def build() -> bytes:
        return feed_service.booking_download(
            current_session(), booking, stamp=stamp, settings=config
        )

    return calendar_response(version, build, filename=filename)
