"""Times at the edges: ISO 8601 with the campus's local offset (API.md section 3)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def iso_local(moment: datetime, tz: ZoneInfo) -> str:
    """`2027-03-17T14:00:00+01:00`: campus local time with its offset, whole seconds."""
    local = moment.astimezone(tz)
    if local.microsecond:
        local = local.replace(microsecond=0)
    return local.isoformat()


def interval_json(start: datetime, end: datetime, tz: ZoneInfo) -> dict[str, str]:
    return {"start": iso_local(start, tz), "end": iso_local(end, tz)}
