"""Closures: times a space, a building or the whole campus cannot be booked."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from booking.api import api, current_user
from booking.api.openapi import operation
from booking.api.parsing import offset_cursor, page, parse_time, time_arg
from booking.api.responses import ClosureCreated, ClosurePage
from booking.api.schemas import ClosureCreate, ClosureQuery
from booking.api.serialize import booking_json, closure_json
from booking.clock import campus_zone
from booking.extensions import current_session
from booking.services import campus


@api.get("/closures")
@operation(
    "Closures of spaces, buildings and the campus (holidays carry holiday: true)",
    query=ClosureQuery,
    answers={200: ClosurePage},
    errors=(404,),
    description="The closures that touch a space (`space_id`: its own, its building's and the "
    "campus's); a space that does not exist is 404.",
)
def list_closures(args: ClosureQuery) -> Any:
    tz = campus_zone()
    offset = offset_cursor(args.cursor)
    rows, more = campus.list_closures(
        current_session(),
        start=time_arg(args.from_, tz, "from"),
        end=time_arg(args.to, tz, "to", end_of_day=True),
        space_id=args.space_id,
        limit=args.limit,
        offset=offset,
    )
    return jsonify(
        page([closure_json(c, tz) for c in rows], f"o{offset + args.limit}" if more else None)
    )


@api.post("/closures")
@operation(
    "Close a space, a building or the whole campus (manager)",
    body=ClosureCreate,
    answers={201: ClosureCreated},
    errors=(403,),
    description="Neither space_id nor building: the whole campus. Dates are allowed; `end` is "
    "then inclusive. A closure cancels nothing: `affected` lists the active bookings inside it.",
    links={
        201: {
            "delete": {
                "operationId": "delete_closure",
                "parameters": {"closure_id": "$response.body#/id"},
            }
        }
    },
)
def create_closure(data: ClosureCreate) -> Any:
    tz = campus_zone()
    result = campus.create_closure(
        current_session(),
        current_user(),
        # A date alone: from its start; as the end, that whole day included.
        start=parse_time(data.start, tz, "start"),
        end=parse_time(data.end, tz, "end", end_of_day=True),
        reason=data.reason,
        space_id=data.space_id,
        building_code=data.building,
    )
    answer = closure_json(result.closure, tz)
    answer["affected"] = [booking_json(b, tz) for b in result.affected]
    current_session().commit()
    return jsonify(answer), 201


@api.delete("/closures/<int:closure_id>")
@operation("Remove a closure (manager)", answers={204: None}, errors=(403,))
def delete_closure(closure_id: int) -> Any:
    campus.delete_closure(current_session(), current_user(), closure_id)
    current_session().commit()
    return "", 204
