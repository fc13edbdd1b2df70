"""Bookings: create (once or recurring), read, change, cancel, approve, reject."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from booking.api import api, current_user
from booking.api.parsing import (
    MAX_ID,
    body,
    page,
    page_args,
    parse_time,
    query_int,
    query_time,
    reject_unknown_args,
)
from booking.api.schemas import BookingCreate, BookingPatch, CancelBody, DecisionBody
from booking.api.serialize import booking_json
from booking.clock import booking_now, campus_zone
from booking.errors import BadRequest
from booking.extensions import current_session, db
from booking.models import STATUSES
from booking.services import bookings as booking_service
from booking.timefmt import interval_json


def _clock() -> booking_service.Clock:
    return booking_service.Clock(now=booking_now(), tz=campus_zone())


@api.post("/bookings")
def create_booking() -> Any:
    data = body(BookingCreate)
    clock = _clock()
    request_ = booking_service.BookingRequest(
        space_id=data.space_id,
        start=parse_time(data.start, clock.tz, "start"),
        end=parse_time(data.end, clock.tz, "end"),
        title=data.title,
        attendees=data.attendees,
        notes=data.notes,
        rrule=data.recurrence.rrule if data.recurrence else None,
        skip_conflicts=data.recurrence.skip_conflicts if data.recurrence else False,
    )
    user = current_user()
    if request_.rrule is None:
        booking = booking_service.book(current_session(), user, request_, clock)
        answer = booking_json(booking, clock.tz)
    else:
        result = booking_service.book_series(current_session(), user, request_, clock)
        answer = {
            "series_id": result.series.id,
            "bookings": [booking_json(b, clock.tz) for b in result.bookings],
            "skipped": [
                {**interval_json(s.start, s.end, clock.tz), "reason": s.reason}
                for s in result.skipped
            ],
        }
    db.session.commit()
    return jsonify(answer), 201


@api.get("/bookings")
def list_bookings() -> Any:
    reject_unknown_args("from", "to", "space_id", "status", "user", "limit", "cursor")
    tz = campus_zone()
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadRequest(f"Unknown status {status!r}.", details={"fields": {"status": "choice"}})
    limit, cursor = page_args()
    items, next_cursor = booking_service.list_bookings(
        current_session(),
        current_user(),
        booking_service.BookingFilter(
            start=query_time("from", tz),
            end=query_time("to", tz, end_of_day=True),
            space_id=query_int("space_id", minimum=1, maximum=MAX_ID),
            status=status,
            user_id=query_int("user", minimum=1, maximum=MAX_ID),
        ),
        limit=limit,
        cursor=cursor,
    )
    return jsonify(page([booking_json(b, tz) for b in items], next_cursor))


@api.get("/bookings/<int:booking_id>")
def get_booking(booking_id: int) -> Any:
    booking = booking_service.get_booking(current_session(), current_user(), booking_id)
    return jsonify(booking_json(booking, campus_zone()))


@api.patch("/bookings/<int:booking_id>")
def change_booking(booking_id: int) -> Any:
    data = body(BookingPatch)
    clock = _clock()
    sent = frozenset(data.model_fields_set)
    for name in ("space_id", "start", "end", "title"):
        if name in sent and getattr(data, name) is None:
            raise BadRequest(f"{name} cannot be null.", details={"fields": {name: "null"}})
    booking = booking_service.change(
        current_session(),
        current_user(),
        booking_id,
        booking_service.BookingChange(
            start=parse_time(data.start, clock.tz, "start") if data.start else None,
            end=parse_time(data.end, clock.tz, "end") if data.end else None,
            space_id=data.space_id,
            title=data.title,
            notes=data.notes,
            attendees=data.attendees,
            fields=sent,
        ),
        clock,
    )
    answer = booking_json(booking, clock.tz)
    db.session.commit()
    return jsonify(answer)


@api.post("/bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id: int) -> Any:
    data = body(CancelBody, optional=True)
    clock = _clock()
    booking_service.cancel(current_session(), current_user(), booking_id, data.scope, clock)
    booking = booking_service.get_booking(current_session(), current_user(), booking_id)
    answer = booking_json(booking, clock.tz)
    db.session.commit()
    return jsonify(answer)


def _decide(booking_id: int, approve: bool) -> Any:
    data = body(DecisionBody, optional=True)
    clock = _clock()
    booking_service.decide(
        current_session(),
        current_user(),
        booking_id,
        approve=approve,
        scope=data.scope,
        reason=data.reason,
        clock=clock,
    )
    booking = booking_service.get_booking(current_session(), current_user(), booking_id)
    answer = booking_json(booking, clock.tz)
    db.session.commit()
    return jsonify(answer)


@api.post("/bookings/<int:booking_id>/approve")
def approve_booking(booking_id: int) -> Any:
    return _decide(booking_id, True)


@api.post("/bookings/<int:booking_id>/reject")
def reject_booking(booking_id: int) -> Any:
    return _decide(booking_id, False)


@api.get("/approvals")
def approvals() -> Any:
    reject_unknown_args("limit", "cursor")
    limit, cursor = page_args()
    items, next_cursor = booking_service.pending_approvals(
        current_session(), current_user(), limit=limit, cursor=cursor
    )
    return jsonify(page([booking_json(b, campus_zone()) for b in items], next_cursor))
