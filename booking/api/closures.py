"""Closures: times a space, a building or the whole campus cannot be booked."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify, request

from booking.api import api, current_user
from booking.api.parsing import (
    body,
    offset_cursor,
    page,
    parse_time,
    query_int,
    query_time,
    reject_unknown_args,
)
from booking.api.schemas import ClosureCreate
from booking.api.serialize import booking_json
from booking.clock import campus_zone
from booking.extensions import current_session
from booking.models import Closure
from booking.services import campus
from booking.timefmt import iso_local


def closure_json(closure: Closure, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": closure.id,
        "space_id": closure.space_id,
        "building": closure.building.code if closure.building else None,
        "start": iso_local(closure.start, tz),
        "end": iso_local(closure.end, tz),
        "reason": closure.reason,
        "holiday": closure.holiday,
    }


@api.get("/closures")
def list_closures() -> Any:
    reject_unknown_args("from", "to", "space_id", "limit", "cursor")
    tz = campus_zone()
    limit = query_int("limit", minimum=1, maximum=500) or 50
    offset = offset_cursor(request.args.get("cursor"))
    rows, more = campus.list_closures(
        current_session(),
        start=query_time("from", tz),
        end=query_time("to", tz, end_of_day=True),
        space_id=query_int("space_id", minimum=1, maximum=2**31 - 1),
        limit=limit,
        offset=offset,
    )
    return jsonify(
        page([closure_json(c, tz) for c in rows], f"o{offset + limit}" if more else None)
    )


@api.post("/closures")
def create_closure() -> Any:
    data = body(ClosureCreate)
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
def delete_closure(closure_id: int) -> Any:
    campus.delete_closure(current_session(), current_user(), closure_id)
    current_session().commit()
    return "", 204
