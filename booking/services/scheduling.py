"""What stands in a space's way at a time: bookings, closures and leases, read in range queries.

Every query here is bounded on both sides by time, so that it reads only the bookings near the
asked window, never a space's whole history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from booking.core.availability import BookedSlot
from booking.core.intervals import Interval, merge
from booking.models import Booking, Closure, Lease, lease_spaces
from booking.services.catalog import SpaceView

ACTIVE = ("pending", "confirmed")


def _minutes_between(a: datetime, b: datetime) -> int:
    return int((b - a).total_seconds() // 60)


def booked_slots(
    session: Session,
    space_ids: Sequence[int] | None,
    windows: Iterable[Interval],
    *,
    longest_busy_min: int,
    exclude_ids: Iterable[int] = (),
) -> dict[int, list[BookedSlot]]:
    """Active bookings whose busy time overlaps one of the windows, per space."""
    ranges = merge(windows)
    if not ranges:
        return {}
    reach = timedelta(minutes=longest_busy_min + 1)
    terms = [
        and_(
            Booking.busy_start > window.start - reach,
            Booking.busy_start < window.end,
            Booking.busy_end > window.start,
        )
        for window in ranges
    ]
    query = select(
        Booking.id,
        Booking.space_id,
        Booking.user_id,
        Booking.start,
        Booking.end,
        Booking.busy_start,
        Booking.busy_end,
    ).where(Booking.status.in_(ACTIVE), or_(*terms))
    if space_ids is not None:
        if len(space_ids) == 1:
            query = query.where(Booking.space_id == space_ids[0])
        else:
            query = query.where(Booking.space_id.in_(space_ids))
    excluded = set(exclude_ids)
    found: dict[int, list[BookedSlot]] = {}
    for row in session.execute(query):
        if row.id in excluded:
            continue
        found.setdefault(row.space_id, []).append(
            BookedSlot(
                start=row.start,
                end=row.end,
                user_id=row.user_id,
                buffer_before_min=_minutes_between(row.busy_start, row.start),
                buffer_after_min=_minutes_between(row.end, row.busy_end),
                booking_id=row.id,
            )
        )
    for slots in found.values():
        slots.sort(key=lambda slot: slot.start)
    return found


def closures_near(session: Session, window: Interval) -> list[Closure]:
    """Every closure (space, building or campus-wide) overlapping the window."""
    return list(
        session.scalars(
            select(Closure).where(Closure.start < window.end, Closure.end > window.start)
        )
    )


def closures_for(space: SpaceView, closures: Iterable[Closure]) -> list[Interval]:
    """The closures that apply to one space."""
    return [
        Interval(c.start, c.end)
        for c in closures
        if (c.space_id is None and c.building_id is None)
        or c.space_id == space.id
        or (c.space_id is None and c.building_id == space.building_id)
    ]


def local_day_bounds(day: date, tz: ZoneInfo) -> Interval:
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return Interval(start, end)


def leased_intervals(
    session: Session, space_ids: Sequence[int] | None, window: Interval, tz: ZoneInfo
) -> dict[int, list[Interval]]:
    """Per space, the times a running lease covers inside the window (lease days are local)."""
    first = window.start.astimezone(tz).date()
    last = window.end.astimezone(tz).date()
    query = (
        select(lease_spaces.c.space_id, Lease.start, Lease.end)
        .join(Lease, Lease.id == lease_spaces.c.lease_id)
        .where(Lease.start <= last, or_(Lease.end.is_(None), Lease.end >= first))
    )
    if space_ids is not None:
        query = query.where(lease_spaces.c.space_id.in_(space_ids))
    found: dict[int, list[Interval]] = {}
    for space_id, start, end in session.execute(query):
        lease_start = local_day_bounds(start, tz).start
        lease_end = local_day_bounds(end, tz).end if end else window.end + timedelta(days=1)
        found.setdefault(space_id, []).append(
            Interval(lease_start, max(lease_end, lease_start + timedelta(minutes=1)))
        )
    return found


def tenant_minutes_per_week(
    session: Session,
    tenant_id: int,
    space_id: int,
    window: Interval,
    tz: ZoneInfo,
    exclude_ids: Iterable[int] = (),
) -> dict[date, int]:
    """Minutes the tenant has actively booked in the space per local week around the window."""
    from booking.core.rules import week_minutes

    first_monday = window.start.astimezone(tz).date()
    first_monday -= timedelta(days=first_monday.weekday())
    last_day = window.end.astimezone(tz).date() + timedelta(days=7)
    bounds = Interval(local_day_bounds(first_monday, tz).start, local_day_bounds(last_day, tz).end)
    excluded = set(exclude_ids)
    totals: dict[date, int] = {}
    rows = session.execute(
        select(Booking.id, Booking.start, Booking.end).where(
            Booking.tenant_id == tenant_id,
            Booking.space_id == space_id,
            Booking.status.in_(ACTIVE),
            Booking.start < bounds.end,
            Booking.end > bounds.start - timedelta(days=32),
        )
    )
    for booking_id, start, end in rows:
        if booking_id in excluded:
            continue
        for week, minutes in week_minutes(start, end, tz).items():
            totals[week] = totals.get(week, 0) + minutes
    return totals
