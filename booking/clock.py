"""The campus clock: "now" for booking rules (BOOKING_NOW fixes it) and the campus zone.

Only the outermost layer (views, CLI) calls these; services and core take `now` as an argument.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def parse_fixed_now(value: str) -> datetime:
    """An ISO time with offset (or campus-local without) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=campus_zone())
    return parsed.astimezone(UTC)


def campus_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BOOKING_TIMEZONE"])


def booking_now() -> datetime:
    """Now for booking rules, feeds' windows and reports: BOOKING_NOW when set, else the clock."""
    fixed = current_app.config.get("BOOKING_NOW")
    if fixed:
        if isinstance(fixed, datetime):
            return fixed.astimezone(UTC)
        return parse_fixed_now(str(fixed))
    return datetime.now(UTC)
