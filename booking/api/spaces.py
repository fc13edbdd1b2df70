"""Spaces, their availability, and buildings."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from booking.api import api, current_user
from booking.api.openapi import operation
from booking.api.parsing import offset_page, page, time_arg
from booking.api.responses import AvailabilityOut, BuildingOut, BuildingPage, SpaceOut, SpacePage
from booking.api.schemas import (
    AvailabilityQuery,
    BuildingCreate,
    BuildingPatch,
    Page,
    SpaceCreate,
    SpacePatch,
    SpaceQuery,
)
from booking.api.serialize import building_json, space_json
from booking.clock import booking_now, campus_zone
from booking.errors import BadRequest
from booking.extensions import current_session
from booking.services import campus
from booking.services import spaces as space_service
from booking.timefmt import interval_json

_SPACE_LINKS = {
    "get": {"operationId": "get_space", "parameters": {"space_id": "$response.body#/id"}},
    "availability": {
        "operationId": "availability",
        "parameters": {"space_id": "$response.body#/id"},
    },
}


@api.get("/spaces")
@operation(
    "Spaces, filtered; with free_from and free_to only those you could book then",
    query=SpaceQuery,
    answers={200: SpacePage},
    description="Without free_from/free_to a manager sees every space, bookable or not.",
)
def list_spaces(args: SpaceQuery) -> Any:
    tz = campus_zone()
    free_from = time_arg(args.free_from, tz, "free_from")
    # A date as the end of a time range includes that whole day (API.md section 4).
    free_to = time_arg(args.free_to, tz, "free_to", end_of_day=True)
    if (free_from is None) != (free_to is None):
        raise BadRequest(
            "Give free_from and free_to together.",
            details={"fields": {"free_from" if free_from is None else "free_to": "required"}},
        )
    found = space_service.search(
        current_session(),
        current_user(),
        space_service.SpaceFilter(
            kind=args.kind,
            building=args.building,
            min_capacity=args.min_capacity,
            features=tuple(args.feature),
        ),
        now=booking_now(),
        tz=tz,
        free_from=free_from,
        free_to=free_to,
    )
    chunk, next_cursor = offset_page(found, args.limit, args.cursor)
    return jsonify(page([space_json(v) for v in chunk], next_cursor))


@api.get("/spaces/<int:space_id>")
@operation("A space and its booking rules", answers={200: SpaceOut})
def get_space(space_id: int) -> Any:
    return jsonify(space_json(space_service.get_space(current_session(), current_user(), space_id)))


@api.get("/spaces/<int:space_id>/availability")
@operation(
    "Free and busy time of a space (at most 31 days)",
    query=AvailabilityQuery,
    answers={200: AvailabilityOut},
    description="Busy reasons: booking, buffer, closed, outside_opening_hours; one entry per "
    "booking, buffer and closure; free time merged.",
)
def availability(space_id: int, args: AvailabilityQuery) -> Any:
    tz = campus_zone()
    start = time_arg(args.from_, tz, "from")
    end = time_arg(args.to, tz, "to", end_of_day=True)
    assert start is not None and end is not None
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
@operation(
    "Create a space with its rules (manager)",
    body=SpaceCreate,
    answers={201: SpaceOut},
    errors=(403, 409),
    links={201: _SPACE_LINKS},
)
def create_space(data: SpaceCreate) -> Any:
    space = campus.create_space(current_session(), current_user(), _fields(data))
    answer = _space_answer(space.id)
    current_session().commit()
    return jsonify(answer), 201


@api.patch("/spaces/<int:space_id>")
@operation(
    "Change or retire a space (manager)",
    body=SpacePatch,
    answers={200: SpaceOut},
    errors=(403, 409),
)
def change_space(space_id: int, data: SpacePatch) -> Any:
    campus.change_space(current_session(), current_user(), space_id, _fields(data))
    answer = _space_answer(space_id)
    current_session().commit()
    return jsonify(answer)


@api.get("/buildings")
@operation("The campus's buildings", query=Page, answers={200: BuildingPage})
def list_buildings(args: Page) -> Any:
    chunk, next_cursor = offset_page(
        campus.list_buildings(current_session()), args.limit, args.cursor
    )
    return jsonify(page([building_json(b) for b in chunk], next_cursor))


@api.post("/buildings")
@operation(
    "Create a building (manager); a duplicate code is 409",
    body=BuildingCreate,
    answers={201: BuildingOut},
    errors=(403, 409),
)
def create_building(data: BuildingCreate) -> Any:
    building = campus.create_building(
        current_session(), current_user(), code=data.code, name=data.name, address=data.address
    )
    answer = building_json(building)
    current_session().commit()
    return jsonify(answer), 201


@api.patch("/buildings/<code>")
@operation(
    "Rename a building or change its address (manager)",
    body=BuildingPatch,
    answers={200: BuildingOut},
    errors=(403,),
)
def change_building(code: str, data: BuildingPatch) -> Any:
    building = campus.change_building(
        current_session(), current_user(), code, data.model_dump(exclude_unset=True)
    )
    answer = building_json(building)
    current_session().commit()
    return jsonify(answer)
