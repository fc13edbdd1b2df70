"""Spaces, their availability, and buildings."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from booking.api import api, current_user
from booking.api.parsing import (
    body,
    offset_cursor,
    page,
    query_int,
    query_time,
    reject_unknown_args,
)
from booking.api.schemas import BuildingCreate, BuildingPatch, SpaceCreate, SpacePatch
from booking.api.serialize import building_json, space_json
from booking.clock import booking_now, campus_zone
from booking.errors import BadRequest
from booking.extensions import current_session
from booking.models import SPACE_KINDS
from booking.services import campus
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
    offset = offset_cursor(request.args.get("cursor"))
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


def _fields(model: Any) -> dict[str, Any]:
    """The fields a PATCH or POST body actually sent (null included), in the schema's types."""
    data: dict[str, Any] = model.model_dump(exclude_unset=True)
    if "opening_hours" in data and data["opening_hours"] is not None:
        data["opening_hours"] = {
            day: [list(span) for span in spans] for day, spans in data["opening_hours"].items()
        }
    return data


def _space_answer(space_id: int) -> dict[str, Any]:
    return space_json(space_service.get_space(current_session(), current_user(), space_id))


@api.post("/spaces")
def create_space() -> Any:
    data = body(SpaceCreate)
    space = campus.create_space(current_session(), current_user(), _fields(data))
    answer = _space_answer(space.id)
    current_session().commit()
    return jsonify(answer), 201


@api.patch("/spaces/<int:space_id>")
def change_space(space_id: int) -> Any:
    data = body(SpacePatch)
    campus.change_space(current_session(), current_user(), space_id, _fields(data))
    answer = _space_answer(space_id)
    current_session().commit()
    return jsonify(answer)


@api.get("/buildings")
def list_buildings() -> Any:
    reject_unknown_args("limit", "cursor")
    limit = query_int("limit", minimum=1, maximum=500) or 50
    offset = offset_cursor(request.args.get("cursor"))
    found = campus.list_buildings(current_session())
    chunk = found[offset : offset + limit]
    next_cursor = f"o{offset + limit}" if offset + limit < len(found) else None
    return jsonify(page([building_json(b) for b in chunk], next_cursor))


@api.post("/buildings")
def create_building() -> Any:
    data = body(BuildingCreate)
    building = campus.create_building(
        current_session(), current_user(), code=data.code, name=data.name, address=data.address
    )
    answer = building_json(building)
    current_session().commit()
    return jsonify(answer), 201


@api.patch("/buildings/<code>")
def change_building(code: str) -> Any:
    data = body(BuildingPatch)
    building = campus.change_building(
        current_session(), current_user(), code, data.model_dump(exclude_unset=True)
    )
    answer = building_json(building)
    current_session().commit()
    return jsonify(answer)
