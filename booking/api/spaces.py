"""Spaces, their availability, and buildings."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from booking.api import api, current_user
from booking.api.parsing import page, query_int, query_time, reject_unknown_args
from booking.api.serialize import space_json
from booking.clock import booking_now, campus_zone
from booking.errors import BadRequest
from booking.extensions import current_session
from booking.models import SPACE_KINDS
from booking.services import spaces as space_service
from booking.timefmt import interval_json


@api.get("/spaces")
def list_spaces() -> Any:
    reject_unknown_args(
        "kind", "building", "min_capacity", "feature", "free_from", "free_to", "limit", "cursor"
    )
    tz = campus_zone()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in SPACE_KINDS:
        raise BadRequest(f"Unknown kind {kind!r}.", details={"fields": {"kind": "choice"}})
    free_from = query_time("free_from", tz)
    # A date as the end of a time range includes that whole day (API.md section 4).
    free_to = query_time("free_to", tz, end_of_day=True)
    if (free_from is None) != (free_to is None):
        raise BadRequest(
            "Give free_from and free_to together.",
            details={"fields": {"free_from" if free_from is None else "free_to": "required"}},
        )
    limit = query_int("limit", minimum=1, maximum=500) or 50
    offset = _decode_offset(request.args.get("cursor"))
    found = space_service.search(
        current_session(),
        current_user(),
        space_service.SpaceFilter(
            kind=kind,
            building=request.args.get("building") or None,
            min_capacity=query_int("min_capacity", minimum=0, maximum=1_000_000),
            features=tuple(request.args.getlist("feature")),
        ),
        now=booking_now(),
        tz=tz,
        free_from=free_from,
        free_to=free_to,
    )
    chunk = found[offset : offset + limit]
    next_cursor = f"o{offset + limit}" if offset + limit < len(found) else None
    return jsonify(page([space_json(v) for v in chunk], next_cursor))


def _decode_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    if cursor[0] == "o" and cursor[1:].isdigit() and len(cursor) < 10:
        return int(cursor[1:])
    raise BadRequest(
        "This cursor was not given by the API.", details={"fields": {"cursor": "invalid"}}
    )


@api.get("/spaces/<int:space_id>")
def get_space(space_id: int) -> Any:
    return jsonify(space_json(space_service.get_space(current_session(), current_user(), space_id)))


@api.get("/spaces/<int:space_id>/availability")
def availability(space_id: int) -> Any:
    reject_unknown_args("from", "to")
    tz = campus_zone()
    start = query_time("from", tz)
    end = query_time("to", tz, end_of_day=True)
    if start is None or end is None:
        raise BadRequest(
            "Give from and to.",
            details={"fields": {"from" if start is None else "to": "required"}},
        )
    result = space_service.space_availability(
        current_session(), current_user(), space_id, start, end, tz
    )
    return jsonify(
        {
            "free": [interval_json(i.start, i.end, tz) for i in result.free],
            "busy": [
                {**interval_json(b.start, b.end, tz), "reason": b.reason} for b in result.busy
            ],
        }
    )
