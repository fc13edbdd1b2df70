"""Cursors of the lists that page by (time, id) or by id: opaque to clients, checked on the way
back in (API.md section 4: `?cursor=` only as given by the API, anything else is 400)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from booking.errors import BadRequest

# Ids are 32-bit integer columns.
MAX_ID = 2**31 - 1


def _invalid() -> BadRequest:
    return BadRequest(
        "This cursor was not given by the API.", details={"fields": {"cursor": "invalid"}}
    )


def _encode(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> object:
    if len(cursor) > 200:
        raise _invalid()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid() from None


def _valid_id(value: object) -> int:
    if type(value) is not int or not 0 <= value <= MAX_ID:
        raise _invalid()
    return value


def encode_id(row_id: int) -> str:
    """A cursor after the row with this id (lists in id order)."""
    return _encode(["i", row_id])


def decode_id(cursor: str) -> int:
    """The id of an `encode_id` cursor; BadRequest for anything else."""
    value = _decode(cursor)
    if not isinstance(value, list) or len(value) != 2 or value[0] != "i":
        raise _invalid()
    return _valid_id(value[1])


def encode_time_id(moment: datetime, row_id: int) -> str:
    """A cursor after the row at (moment, id) (lists in time order)."""
    return _encode(["t", moment.astimezone(UTC).isoformat(), row_id])


def decode_time_id(cursor: str) -> tuple[datetime, int]:
    """(time, id) of an `encode_time_id` cursor; BadRequest for anything else."""
    value = _decode(cursor)
    if not isinstance(value, list) or len(value) != 3 or value[0] != "t":
        raise _invalid()
    if not isinstance(value[1], str):
        raise _invalid()
    try:
        moment = datetime.fromisoformat(value[1])
    except ValueError:
        raise _invalid() from None
    if moment.tzinfo is None or not 1900 <= moment.year <= 9000:
        raise _invalid()
    return moment.astimezone(UTC), _valid_id(value[2])
