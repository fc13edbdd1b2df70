"""Reading what the schemas let through: times, and the cursors of offset-paged lists.

Bodies and query strings are validated by booking.api.openapi.operation against the models of
booking.api.schemas; the helpers here turn their text into values."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking.api.cursors import sign
from booking.api.schemas import MAX_ID, MAX_LIMIT
from booking.errors import BadRequest

__all__ = ["MAX_ID", "MAX_LIMIT", "offset_cursor", "offset_page", "page", "parse_time", "time_arg"]


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


def time_arg(
    value: str | None, tz: ZoneInfo, name: str, *, end_of_day: bool = False
) -> datetime | None:
    """A time query parameter (already checked by its schema), or None when absent."""
    if value is None:
        return None
    return parse_time(value, tz, name, end_of_day=end_of_day)


def page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """A list's answer; the services' cursor goes out signed (Page.cursor checks it back)."""
    return {"items": items, "next_cursor": sign(next_cursor) if next_cursor else None}


def offset_cursor(cursor: str | None) -> int:
    """The position a list's `next_cursor` ("o<offset>") points at; anything else is 400."""
    if not cursor:
        return 0
    if cursor[0] == "o" and cursor[1:].isdigit() and len(cursor) < 10:
        return int(cursor[1:])
    raise BadRequest(
        "This cursor was not given by the API.", details={"fields": {"cursor": "invalid"}}
    )


def offset_page(found: list[Any], limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    """One page of a list held whole in memory, and the cursor of the next."""
    offset = offset_cursor(cursor)
    more = offset + limit < len(found)
    return found[offset : offset + limit], (f"o{offset + limit}" if more else None)
