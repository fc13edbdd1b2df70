"""Reading requests: JSON bodies through the schemas, query parameters, times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import request
from pydantic import BaseModel, ValidationError

from booking.api.schemas import field_errors
from booking.errors import BadRequest

M = TypeVar("M", bound=BaseModel)
MAX_LIMIT = 500
# Ids are 32-bit integer columns; a larger number can match nothing (and SQLite cannot even
# take one beyond 64 bits as a parameter).
MAX_ID = 2**31 - 1


def body(model: type[M], *, optional: bool = False) -> M:
    """The request's JSON body as `model`, or 400 bad_request naming the fields."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return model()
        raise BadRequest("The request needs a JSON body.", details={"fields": {"body": "required"}})
    try:
        return model.model_validate_json(raw)
    except ValidationError as err:
        fields = field_errors(err.errors(include_url=False))
        if any(e.get("type") == "json_invalid" for e in err.errors()):
            raise BadRequest(
                "The body is not valid JSON.", details={"fields": {"body": "json"}}
            ) from None
        names = ", ".join(sorted(fields))
        raise BadRequest(f"Invalid fields: {names}.", details={"fields": fields}) from None


def parse_time(value: str, tz: ZoneInfo, name: str, *, end_of_day: bool = False) -> datetime:
    """ISO 8601; no offset means campus time; a date alone is its local midnight (or, as an
    end, the next midnight: the whole day included). Years outside 1900-9000 are refused, so
    that no later conversion (to UTC, to the next day) can overflow."""
    text = value.strip()
    day: date | None = None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            parsed = datetime.combine(day, time(0))
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"{name} is not an ISO 8601 time: {value!r}.", details={"fields": {name: "format"}}
        ) from None
    if not 1900 <= parsed.year <= 9000:
        raise BadRequest(f"{name} is out of range.", details={"fields": {name: "range"}})
    if day is not None:
        if end_of_day:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=tz)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def query_time(name: str, tz: ZoneInfo, *, end_of_day: bool = False) -> datetime | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    return parse_time(value, tz, name, end_of_day=end_of_day)


def query_int(name: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(
            f"{name} must be a whole number.", details={"fields": {name: "integer"}}
        ) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise BadRequest(f"{name} is out of range.", details={"fields": {name: "range"}})
    return number


def page_args() -> tuple[int, str | None]:
    limit = query_int("limit", minimum=1, maximum=MAX_LIMIT) or 50
    cursor = request.args.get("cursor") or None
    return limit, cursor


def reject_unknown_args(*allowed: str) -> None:
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise BadRequest(
            f"Unknown query parameters: {', '.join(unknown)}.",
            details={"fields": {name: "unknown" for name in unknown}},
        )


def page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}


def offset_cursor(cursor: str | None) -> int:
    """The position a list's `next_cursor` ("o<offset>") points at; anything else is 400."""
    if not cursor:
        return 0
    if cursor[0] == "o" and cursor[1:].isdigit() and len(cursor) < 10:
        return int(cursor[1:])
    raise BadRequest(
        "This cursor was not given by the API.", details={"fields": {"cursor": "invalid"}}
    )
