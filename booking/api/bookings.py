"""Bookings: create (once or recurring), read, change, cancel, approve, reject."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from booking.api import api, current_user
from booking.api.openapi import operation
from booking.api.parsing import page, parse_time, time_arg
from booking.api.responses import BookingCreated, BookingOut, BookingPage
from booking.api.schemas import (
    BookingCreate,
    BookingPatch,
    BookingQuery,
    CancelBody,
    DecisionBody,
    Page,
)
from booking.api.serialize import booking_json
from booking.clock import booking_now, campus_zone
from booking.errors import BadRequest
from booking.extensions import current_session, db
from booking.services import bookings as booking_service
from booking.timefmt import interval_json

_BY_ID = {"booking_id": "$response.body#/id"}
_BOOKING_LINKS = {
    "get": {"operationId": "get_booking", "parameters": _BY_ID},
    "change": {"operationId": "change_booking", "parameters": _BY_ID},
    "cancel": {"operationId": "cancel_booking", "parameters": _BY_ID},
    "approve": {"operationId": "approve_booking", "parameters": _BY_ID},
    "reject": {"operationId": "reject_booking", "parameters": _BY_ID},
    "ics": {"operationId": "booking_ics", "parameters": _BY_ID},
}


def _clock() -> booking_service.Clock:
    return booking_service.Clock(now=booking_now(), tz=campus_zone())


@api.post("/bookings")
@operation(
    "Book a space, once or as a series",
    body=BookingCreate,
    answers={201: BookingCreated},
    errors=(403, 404, 409, 422),
    description="A 409 lists what is in the way (`details.conflicts`) and offers "
    "`details.alternatives`: free slots of the same length in the space that day and similar "
    "spaces free then. With `recurrence.skip_conflicts` false a series is all or nothing.",
    links={201: _BOOKING_LINKS},
)
def create_booking(data: BookingCreate) -> Any:
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
@operation(
    "Bookings you may see: your own; a tenant admin the tenant's; the manager all",
    query=BookingQuery,
    answers={200: BookingPage},
)
def list_bookings(args: BookingQuery) -> Any:
    tz = campus_zone()
    items, next_cursor = booking_service.list_bookings(
        current_session(),
        current_user(),
        booking_service.BookingFilter(
            start=time_arg(args.from_, tz, "from"),
            end=time_arg(args.to, tz, "to", end_of_day=True),
            space_id=args.space_id,
            status=args.status,
            user_id=args.user,
        ),
        limit=args.limit,
        cursor=args.cursor,
    )
    return jsonify(page([booking_json(b, tz) for b in items], next_cursor))


@api.get("/bookings/<int:booking_id>")
@operation(
    "A booking (its owner, their tenant admin, the manager)",
    answers={200: BookingOut},
    links={200: {"ics": _BOOKING_LINKS["ics"]}},
)
def get_booking(booking_id: int) -> Any:
    booking = booking_service.get_booking(current_session(), current_user(), booking_id)
    return jsonify(booking_json(booking, campus_zone()))


@api.patch("/bookings/<int:booking_id>")
@operation(
    "Change a booking's time, space or title; checked again like a new booking",
    body=BookingPatch,
    answers={200: BookingOut},
    errors=(403, 409, 422),
)
def change_booking(booking_id: int, data: BookingPatch) -> Any:
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
@operation(
    "Cancel a booking, or the rest of its series, or the whole series",
    body=CancelBody,
    body_optional=True,
    answers={200: BookingOut},
    errors=(409, 422),
    description="Cancelling a cancelled booking is 409; one that has ended is 422 in_past.",
)
def cancel_booking(booking_id: int, data: CancelBody) -> Any:
    clock = _clock()
    booking_service.cancel(current_session(), current_user(), booking_id, data.scope, clock)
    booking = booking_service.get_booking(current_session(), current_user(), booking_id)
    answer = booking_json(booking, clock.tz)
    db.session.commit()
    return jsonify(answer)


def _decide(booking_id: int, data: DecisionBody, approve: bool) -> Any:
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
@operation(
    "Approve a pending booking (manager)",
    body=DecisionBody,
    body_optional=True,
    answers={200: BookingOut},
    errors=(403, 409),
    description="A booking that is not pending is 409.",
)
def approve_booking(booking_id: int, data: DecisionBody) -> Any:
    return _decide(booking_id, data, True)


@api.post("/bookings/<int:booking_id>/reject")
@operation(
    "Reject a pending booking (manager)",
    body=DecisionBody,
    body_optional=True,
    answers={200: BookingOut},
    errors=(403, 409),
    description="A booking that is not pending is 409.",
)
def reject_booking(booking_id: int, data: DecisionBody) -> Any:
    return _decide(booking_id, data, False)


@api.get("/approvals")
@operation(
    "Pending bookings, the oldest request first (manager)",
    query=Page,
    answers={200: BookingPage},
    errors=(403,),
)
def approvals(args: Page) -> Any:
    items, next_cursor = booking_service.pending_approvals(
        current_session(), current_user(), limit=args.limit, cursor=args.cursor
    )
    return jsonify(page([booking_json(b, campus_zone()) for b in items], next_cursor))
